/** One JSON line the service logged (pino), or a non-JSON line kept as `msg`. */
export interface LogLine {
  readonly level?: number;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A log line as JSON when it is a JSON object, else as `{ msg: line }`. */
export function parseLogLine(line: string): LogLine {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (parsed !== null && typeof parsed === 'object') return parsed as LogLine;
  } catch {
    // not JSON: kept as text below
  }
  return { msg: line };
}
