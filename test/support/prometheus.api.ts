/** One series of an instant query's vector result. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value as Prometheus prints it: "1.5", "NaN", "+Inf"] */
  readonly value: readonly [number, string];
}

/** What Prometheus answered to an instant query: data, or its error (a parse error, say). */
export type QueryAnswer =
  | { readonly ok: true; readonly resultType: string; readonly series: readonly VectorSample[] }
  | { readonly ok: false; readonly error: string };

interface ApiBody {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: VectorSample[] };
}

/** The parts of Prometheus's HTTP API (/api/v1) the deploy tests use. */
export class PrometheusApi {
  constructor(readonly url: string) {}

  /** `GET /api/v1/query`: an instant query at the server's now. */
  async query(expr: string): Promise<QueryAnswer> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as ApiBody;
    if (body.status !== 'success' || body.data === undefined) {
      return { ok: false, error: `${body.errorType ?? 'error'}: ${body.error ?? 'no data'}` };
    }
    const { resultType, result } = body.data;
    return { ok: true, resultType, series: resultType === 'vector' ? result : [] };
  }

  /** `GET /api/v1/targets`: health of each active target, by job. */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const response = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = (await response.json()) as {
      data: {
        activeTargets: { labels: { job: string }; health: string; lastError: string }[];
      };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  /** `GET /api/v1/rules`: every loaded rule with Prometheus's own evaluation health. */
  async rules(): Promise<{ name: string; health: string; lastError: string }[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = (await response.json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    return body.data.groups.flatMap((g) =>
      g.rules.map((r) => ({ name: r.name, health: r.health, lastError: r.lastError ?? '' })),
    );
  }
}

/** Whether a sample's value is a finite number (not NaN or ±Inf, which panels show as gaps). */
export function finite(sample: VectorSample): boolean {
  return Number.isFinite(Number(sample.value[1]));
}
