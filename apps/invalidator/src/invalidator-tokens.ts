/** Injection tokens for values that are not classes. */
export const CONFIG = Symbol('InvalidatorConfig');
export const LOGGER = Symbol('pino.Logger');
