export { InvalidatorError, isRetriable, describeError } from './invalidator-error.js';
