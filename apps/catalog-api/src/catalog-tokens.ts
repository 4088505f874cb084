/** The `pg` pool of the catalog API. */
export const PG_POOL = Symbol('PG_POOL');
/** The prom-client registry `/metrics` serves. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
