/**
 * Reads typed values from environment variables, collecting a problem (naming the variable and
 * what was expected) instead of throwing, so that one start reports every mistake at once.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string, expected: string): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is not set: expected ${expected}`);
    return value ?? '';
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const found = values.find((v) => v === raw);
    if (found === undefined)
      this.problems.push(`${name}=${raw}: expected one of ${values.join(', ')}`);
    return found ?? fallback;
  }

  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  hostPorts(name: string, expected: string): { host: string; port: number }[] {
    const parsed: { host: string; port: number }[] = [];
    for (const item of this.list(name)) {
      const match = /^(.+):(\d{1,5})$/.exec(item);
      const port = Number(match?.[2]);
      if (match?.[1] === undefined || port < 1 || port > 65535) {
        this.problems.push(`${name}: "${item}" is not host:port; expected ${expected}`);
      } else {
        parsed.push({ host: match[1], port });
      }
    }
    return parsed;
  }

  /** Reports a problem found by a check across several variables. */
  problem(message: string): void {
    this.problems.push(message);
  }
}
