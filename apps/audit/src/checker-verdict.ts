import { waitFor, type InvalidatorProcess } from '#local-pipeline';

/** The checker's counts of one window, as `GET /admin/consistency` gives them. */
export interface CheckerWindow {
  readonly windowMs: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** What the service's online checker reported, against the audit's stale entries. */
export interface CheckerVerdict {
  readonly windows: readonly CheckerWindow[];
  /** Distinct keys the checker logged as inconsistent (in any window). */
  readonly inconsistentKeys: number;
  /** Stale entries (audit ground truth) the checker had reported inconsistent. */
  readonly staleReported: number;
  /** staleReported / stale entries; null when there was no stale entry. */
  readonly recall: number | null;
  /** Up to five stale keys the checker did not report. */
  readonly missed: string[];
}

interface Status {
  readonly pending: number;
  readonly windows: readonly CheckerWindow[];
}

const INCONSISTENT = 'inconsistent cache entry';

/**
 * Waits until the service's checker has run every window of every invalidated key (its queue is
 * empty), then compares the keys it logged as inconsistent with `staleKeys`.
 */
export async function checkerVerdict(
  service: InvalidatorProcess,
  staleKeys: readonly string[],
  windowsMs: readonly number[],
  signal: AbortSignal,
): Promise<CheckerVerdict> {
  const status = async (): Promise<Status> => {
    const response = await fetch(`${service.url}/admin/consistency`, {
      signal: AbortSignal.timeout(5_000),
    });
    return (await response.json()) as Status;
  };
  const done = await waitFor(
    async () => {
      const now = await status();
      return now.pending === 0 ? now : undefined;
    },
    {
      what: "the checker's last window",
      timeoutMs: Math.max(...windowsMs) + 120_000,
      intervalMs: 200,
      signal,
    },
  );
  const reported = new Set(
    service.logs
      .filter((line) => line.msg?.startsWith(INCONSISTENT) === true)
      .map((line) => String(line.key)),
  );
  const missed = staleKeys.filter((key) => !reported.has(key));
  const staleReported = staleKeys.length - missed.length;
  return {
    windows: done.windows.map(({ windowMs, counts }) => ({ windowMs, counts })),
    inconsistentKeys: reported.size,
    staleReported,
    recall: staleKeys.length === 0 ? null : staleReported / staleKeys.length,
    missed: missed.slice(0, 5),
  };
}
