import { describe, expect, it } from 'vitest';
import { describeError, InvalidatorError, isRetriable } from './invalidator-error.js';

class TimeoutError extends InvalidatorError {
  constructor(cause?: unknown) {
    super('TIMEOUT', 'timed out after 100 ms', { retriable: true, cause });
  }
}

describe('InvalidatorError', () => {
  it('carries code, retriable, cause and the subclass name', () => {
    const cause = new Error('socket closed');
    const error = new TimeoutError(cause);
    expect(error.code).toBe('TIMEOUT');
    expect(error.retriable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('TimeoutError');
    expect(error).toBeInstanceOf(Error);
  });

  it('is retriable only when it says so', () => {
    expect(isRetriable(new TimeoutError())).toBe(true);
    expect(isRetriable(new InvalidatorError('BAD', 'bad', { retriable: false }))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable('text')).toBe(false);
  });

  it('describes any thrown value on one line', () => {
    expect(describeError(new TimeoutError())).toBe('TIMEOUT: timed out after 100 ms');
    expect(describeError(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(describeError(42)).toBe('42');
  });
});
