import { InvalidatorError } from '#errors';

/** A handler failed and Nest's default RPC exception filter replaced its error. */
export class HiddenHandlerError extends InvalidatorError {
  constructor(message: unknown) {
    super(
      'HANDLER_FAILED',
      `the handler threw (Nest reported "${String(message)}"; decorate it with @OnChange, or apply ChangeHandlerErrorFilter, to keep the original error and its retriable flag)`,
      { retriable: false },
    );
  }
}

/** A handler returned something that is not invalidation targets. */
export class HandlerResultError extends InvalidatorError {
  constructor(handler: string, problem: string) {
    super(
      'HANDLER_RESULT_INVALID',
      `handler ${handler} returned ${problem}; expected nothing or { keys?, tags?, patterns? } of string arrays`,
      { retriable: false },
    );
  }
}
