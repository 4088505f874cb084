import type { InvalidationPlan, PLAN_TARGETS } from './invalidation-plan.js';
import type { DecodedChange } from './decoded-change.js';
import type { ConsumedMessage } from './partition-batch-types.js';

/** What a code handler may return: any subset of a plan's fields (keys, tags, patterns). */
export type InvalidationTargets = {
  readonly [F in (typeof PLAN_TARGETS)[number]]?: InvalidationPlan[F];
};

/**
 * Application code that names what a change invalidates, beside the YAML rules (for example an
 * `@EventPattern('product.updated')` method). Throwing an error that is retriable
 * (`InvalidatorError.retriable`) retries the handler with backoff; any other error makes the
 * message a dead letter.
 */
export interface CodeHandler {
  /** For logs and the dead-letter headers, for example `LocaleKeys.onProductUpdated`. */
  readonly name: string;
  handle(change: DecodedChange, message: ConsumedMessage): Promise<InvalidationTargets | undefined>;
}

/** The code handlers registered for event names such as `product.updated`. */
export interface CodeHandlerRegistry {
  /** The handlers for `event`, in registration order; empty when there are none. Must be cheap. */
  handlersFor(event: string): readonly CodeHandler[];
}

/** A registry without handlers: the YAML rules alone. */
export const noCodeHandlers: CodeHandlerRegistry = { handlersFor: () => [] };
