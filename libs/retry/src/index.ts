export { BackoffPolicy, type BackoffOptions } from './backoff.policy.js';
export { retry, RetryAbortedError, type RetryOptions } from './retry.js';
