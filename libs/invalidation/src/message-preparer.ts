import { decodeMessage, decodeProjected, type ChangeEvent } from '#debezium';
import type { InvalidationPlan } from './invalidation-plan.js';
import { retry, RetryAbortedError, type BackoffPolicy } from '#retry';
import {
  evaluate,
  expand,
  type CascadeLookup,
  type Evaluation,
  type ExpandOptions,
  type RuleSet,
} from '#rules';
import {
  noCodeHandlers,
  type CodeHandler,
  type CodeHandlerRegistry,
  type InvalidationTargets,
} from './code-handler.js';
import { CodeHandlerError } from './invalidation.errors.js';
import { nameChange, type DecodedChange, type NameableEvent } from './decoded-change.js';
import { emptyPlan, isEmptyPlan, mergeTargets, type MessageOutcome } from './message-outcome.js';
import type { ConsumedMessage } from './partition-batch-types.js';
import { columnsReadByRules } from './rule-columns.js';

/** What {@link MessagePreparer} needs besides the message. */
export interface PrepareContext {
  readonly ruleSet: RuleSet;
  /** False once the result is no longer wanted (shutdown, rebalance): stops lookup retries. */
  readonly shouldContinue: () => boolean;
  /** Called before each retry of a transient lookup (or code handler) failure. */
  readonly onRetry: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Turns one message into an outcome: decode, name it `<entity>.<op>`, then dispatch it to the
 * YAML rules (one built-in handler, cascade lookups included) and to every code handler
 * registered for that name, and merge what they all named into one plan. Transient failures
 * are retried here; anything else that fails makes the message a dead letter, so one bad
 * message never blocks its partition.
 *
 * Row images are decoded only as far as the rules read them (see `decodeProjected`); a change
 * that code handlers receive is decoded whole first, so they always get every column.
 */
export class MessagePreparer {
  constructor(
    private readonly lookup: CascadeLookup,
    private readonly backoff: BackoffPolicy,
    private readonly expandOptions: ExpandOptions = {},
    private readonly codeHandlers: CodeHandlerRegistry = noCodeHandlers,
  ) {}

  /** @throws RetryAbortedError only when `shouldContinue` ended a retry; nothing else. */
  async prepare(message: ConsumedMessage, context: PrepareContext): Promise<MessageOutcome> {
    try {
      const event = decodeProjected(message, columnsReadByRules(context.ruleSet));
      if (event.kind === 'tombstone' || event.kind === 'heartbeat') {
        return { kind: 'ignore', message, event: null, reason: event.kind };
      }
      const evaluation = evaluate(context.ruleSet, event);
      const name = evaluation.event ?? nameChange(context.ruleSet, event).event;
      const handlers = this.codeHandlers.handlersFor(name);
      if (evaluation.event === null && handlers.length === 0) {
        return { kind: 'ignore', message, event: null, reason: 'unmapped' };
      }
      // Without cascades the plan is ready now: no await, so no promise and tick per message.
      const rulesPlan =
        evaluation.cascades.length === 0
          ? planOf(evaluation)
          : await this.expandedPlan(evaluation, context);
      const plan =
        handlers.length === 0
          ? rulesPlan
          : mergeTargets(
              rulesPlan,
              await this.runHandlers(
                handlers,
                nameChange(context.ruleSet, wholeChange(event, message)),
                message,
                context,
              ),
            );
      if (isEmptyPlan(plan)) return { kind: 'ignore', message, event: name, reason: 'no-rule' };
      return { kind: 'invalidate', message, event: name, plan, committedAtMs: committedAt(event) };
    } catch (error) {
      if (error instanceof RetryAbortedError) throw error;
      return { kind: 'dead-letter', message, event: null, error };
    }
  }

  /** The built-in YAML handler with cascades: expanded (lookups retried), then its plan. */
  private async expandedPlan(
    evaluation: Evaluation,
    context: PrepareContext,
  ): Promise<InvalidationPlan> {
    if (evaluation.event === null) return emptyPlan();
    const expansion = await retry(
      () => expand(context.ruleSet, evaluation, this.lookup, this.expandOptions),
      {
        operation: 'cascade lookup',
        backoff: this.backoff,
        shouldContinue: context.shouldContinue,
        onRetry: context.onRetry,
      },
    );
    return planOf(expansion);
  }

  /** Each code handler in turn, transient failures retried; a lasting one names the handler. */
  private async runHandlers(
    handlers: readonly CodeHandler[],
    change: DecodedChange,
    message: ConsumedMessage,
    context: PrepareContext,
  ): Promise<InvalidationTargets[]> {
    const results: InvalidationTargets[] = [];
    for (const handler of handlers) {
      try {
        const targets = await retry(() => handler.handle(change, message), {
          operation: 'code handler',
          backoff: this.backoff,
          shouldContinue: context.shouldContinue,
          onRetry: context.onRetry,
        });
        if (targets !== undefined) results.push(targets);
      } catch (error) {
        if (error instanceof RetryAbortedError) throw error;
        throw new CodeHandlerError(handler.name, change.event, error);
      }
    }
    return results;
  }
}

/** The built-in YAML handler's plan: the targets of the rules that applied. */
function planOf(
  expansion: Pick<
    Evaluation,
    'event' | 'rules' | 'keys' | 'tags' | 'namespaces' | 'patterns' | 'versions'
  >,
): InvalidationPlan {
  if (expansion.event === null || expansion.rules.length === 0) return emptyPlan();
  return {
    keys: expansion.keys,
    tags: expansion.tags,
    namespaces: expansion.namespaces,
    patterns: expansion.patterns,
    ...(expansion.versions.length > 0 ? { versions: expansion.versions } : {}),
  };
}

/** The event with every column, for code handlers: decoded again when it was projected. */
function wholeChange(event: NameableEvent, message: ConsumedMessage): NameableEvent {
  if (event.kind !== 'row' || event.partial !== true) return event;
  const whole = decodeMessage(message);
  return whole.kind === 'tombstone' || whole.kind === 'heartbeat' ? event : whole;
}

function committedAt(event: ChangeEvent): number | null {
  return event.kind === 'row' || event.kind === 'truncate' ? event.source.tsMs : null;
}
