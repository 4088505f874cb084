import { decodeMessage, type ChangeEvent } from '#debezium';
import { retry, RetryAbortedError, type BackoffPolicy } from '#retry';
import { evaluate, expand, type CascadeLookup, type ExpandOptions, type RuleSet } from '#rules';
import { isEmptyPlan, type MessageOutcome } from './message-outcome.js';
import type { ConsumedMessage } from './partition-batch.types.js';

/** What {@link MessagePreparer} needs besides the message. */
export interface PrepareContext {
  readonly ruleSet: RuleSet;
  /** False once the result is no longer wanted (shutdown, rebalance): stops lookup retries. */
  readonly shouldContinue: () => boolean;
  /** Called before each retry of a transient lookup failure. */
  readonly onRetry: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Turns one message into an outcome: decode, evaluate the rules, run cascade lookups. Transient
 * lookup failures are retried here; anything else that fails makes the message a dead letter,
 * so one bad message never blocks its partition.
 */
export class MessagePreparer {
  constructor(
    private readonly lookup: CascadeLookup,
    private readonly backoff: BackoffPolicy,
    private readonly expandOptions: ExpandOptions = {},
  ) {}

  /** @throws RetryAbortedError only when `shouldContinue` ended a retry; nothing else. */
  async prepare(message: ConsumedMessage, context: PrepareContext): Promise<MessageOutcome> {
    try {
      const event = decodeMessage(message);
      const ignored = ignoredKind(event);
      if (ignored !== null) return { kind: 'ignore', message, event: null, reason: ignored };
      const evaluation = evaluate(context.ruleSet, event);
      if (evaluation.event === null) {
        return { kind: 'ignore', message, event: null, reason: 'unmapped' };
      }
      const expansion =
        evaluation.cascades.length === 0
          ? evaluation
          : await retry(
              () => expand(context.ruleSet, evaluation, this.lookup, this.expandOptions),
              {
                operation: 'cascade lookup',
                backoff: this.backoff,
                shouldContinue: context.shouldContinue,
                onRetry: context.onRetry,
              },
            );
      const plan = {
        keys: expansion.keys,
        tags: expansion.tags,
        patterns: expansion.patterns,
        ...(expansion.versions.length > 0 ? { versions: expansion.versions } : {}),
      };
      if (expansion.rules.length === 0 || isEmptyPlan(plan)) {
        return { kind: 'ignore', message, event: evaluation.event, reason: 'no-rule' };
      }
      return {
        kind: 'invalidate',
        message,
        event: evaluation.event,
        plan,
        committedAtMs: committedAt(event),
      };
    } catch (error) {
      if (error instanceof RetryAbortedError) throw error;
      return { kind: 'dead-letter', message, event: null, error };
    }
  }
}

function ignoredKind(event: ChangeEvent): 'tombstone' | 'heartbeat' | null {
  switch (event.kind) {
    case 'tombstone':
      return 'tombstone';
    case 'heartbeat':
      return 'heartbeat';
    case 'row':
    case 'truncate':
    case 'domain':
      return null;
  }
}

function committedAt(event: ChangeEvent): number | null {
  return event.kind === 'row' || event.kind === 'truncate' ? event.source.tsMs : null;
}
