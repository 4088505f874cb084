import type { MessageHandler } from '@nestjs/microservices';
import { lastValueFrom, isObservable } from 'rxjs';
import {
  PLAN_TARGETS,
  type CodeHandler,
  type CodeHandlerRegistry,
  type ConsumedMessage,
  type DecodedChange,
  type InvalidationTargets,
} from '#invalidation';
import { HandlerResultError, HiddenHandlerError } from './nest-debezium.errors.js';
import { DebeziumContext } from './debezium-context.js';
import { matchesEventPattern } from './event-pattern-matcher.js';
import { CHANGE_HANDLER_NAME } from './on-change.decorator.js';

const TARGET_FIELDS: ReadonlySet<string> = new Set(PLAN_TARGETS);

/**
 * The `@EventPattern` handlers Nest registered on the transport, looked up by event name
 * (wildcards included) and called as the preparer's code handlers. Lookups are cached per event
 * name, so dispatch costs one map read once warm.
 */
export class ChangeHandlerRegistry implements CodeHandlerRegistry {
  private readonly registered: { pattern: string; handler: CodeHandler }[] = [];
  private readonly byEvent = new Map<string, readonly CodeHandler[]>();

  /** Registers a Nest handler for `pattern`; `extras` may carry its name (see `OnChange`). */
  add(pattern: string, callback: MessageHandler, extras: Record<string, unknown> = {}): void {
    const named = extras[CHANGE_HANDLER_NAME];
    const name =
      typeof named === 'string'
        ? named
        : `@EventPattern('${pattern}')#${this.registered.filter((r) => r.pattern === pattern).length + 1}`;
    this.registered.push({ pattern, handler: nestHandler(name, callback) });
    this.byEvent.clear();
  }

  /** Every registered pattern, in registration order. */
  patterns(): readonly string[] {
    return this.registered.map((r) => r.pattern);
  }

  handlersFor(event: string): readonly CodeHandler[] {
    let handlers = this.byEvent.get(event);
    if (handlers === undefined) {
      handlers = this.registered
        .filter((r) => matchesEventPattern(r.pattern, event))
        .map((r) => r.handler);
      this.byEvent.set(event, handlers);
    }
    return handlers;
  }
}

/** A Nest handler (guards, pipes, interceptors, filters around the method) as a code handler. */
function nestHandler(name: string, callback: MessageHandler): CodeHandler {
  return {
    name,
    handle: async (change: DecodedChange, message: ConsumedMessage) => {
      let value: unknown;
      try {
        const returned: unknown = await callback(change, new DebeziumContext(message));
        value = isObservable(returned)
          ? await lastValueFrom(returned, { defaultValue: undefined })
          : returned;
      } catch (error) {
        throw isNestRpcError(error) ? new HiddenHandlerError(error.message) : error;
      }
      return toTargets(name, value);
    },
  };
}

/**
 * What Nest's default RPC exception filter leaves of an error (`{ status: 'error', message }`):
 * the original, and whether it was retriable, are gone.
 */
function isNestRpcError(error: unknown): error is { status: 'error'; message: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    !(error instanceof Error) &&
    (error as { status?: unknown }).status === 'error'
  );
}

/** Checks what a handler returned: nothing, or `{ keys?, tags?, patterns? }` of strings. */
function toTargets(name: string, value: unknown): InvalidationTargets | undefined {
  if (value === undefined || value === null) return undefined;
  const problem = targetsProblem(value);
  if (problem === null) return value;
  throw new HandlerResultError(name, problem);
}

function targetsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  }
  for (const [field, entries] of Object.entries(value)) {
    if (!TARGET_FIELDS.has(field)) return `an unknown field "${field}"`;
    if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string' || e === '')) {
      return `"${field}" that is not an array of non-empty strings`;
    }
  }
  return null;
}
