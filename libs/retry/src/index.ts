export { BackoffPolicy, type BackoffOptions } from './backoff-policy.js';
export { retry, type RetryOptions } from './retry.js';
export { RetryAbortedError, TimeoutError } from './retry.errors.js';
export { withTimeout } from './with-timeout.js';
