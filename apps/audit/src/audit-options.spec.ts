import { describe, expect, it } from 'vitest';
import { parseAuditOptions, UsageError } from './audit-options.js';

describe('parseAuditOptions', () => {
  it('runs lease then naive on the primary by default, checking after 1 s and 10 s', () => {
    const options = parseAuditOptions([]);
    expect(options.modes).toEqual(['lease', 'naive']);
    expect(options.replica).toBe(false);
    expect(options.checkWindowsMs).toEqual([1_000, 10_000]);
  });

  it('takes all, one mode, or a list of modes, each once in the given order', () => {
    expect(parseAuditOptions(['--mode', 'all']).modes).toEqual(['naive', 'lease', 'versioned']);
    expect(parseAuditOptions(['--mode', 'versioned']).modes).toEqual(['versioned']);
    expect(parseAuditOptions(['--mode', 'versioned,lease,versioned']).modes).toEqual([
      'versioned',
      'lease',
    ]);
  });

  it('reads --replica and --check-windows-ms', () => {
    const options = parseAuditOptions(['--replica', '--check-windows-ms', '500, 2000']);
    expect(options.replica).toBe(true);
    expect(options.checkWindowsMs).toEqual([500, 2_000]);
  });

  it('refuses an unknown mode and malformed windows', () => {
    expect(() => parseAuditOptions(['--mode', 'lease,fast'])).toThrow(UsageError);
    expect(() => parseAuditOptions(['--check-windows-ms', '1000,0'])).toThrow(UsageError);
    expect(() => parseAuditOptions(['--check-windows-ms', 'soon'])).toThrow(UsageError);
  });
});
