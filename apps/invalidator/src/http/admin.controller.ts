import { timingSafeEqual } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Query,
  Req,
  UnauthorizedException,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { describeError, InvalidatorError } from '#errors';
import type { InvalidationCounts, RedisInvalidator } from '#redis-invalidation';
import { explainMessage, type CascadeLookup, type ExplainOutput } from '#rules';
import type { InvalidatorConfig } from '../config/invalidator.config.js';
import { CASCADE_LOOKUP, CONFIG, LOGGER } from '../invalidator.tokens.js';
import { RulesRegistry } from '../rules/rules.registry.js';
import { REDIS } from '../worker/worker.tokens.js';

/**
 * Operator endpoints. `explain` only reads; `invalidate` deletes on demand, so it is off unless
 * INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true and then needs the bearer token.
 */
@Controller('admin')
export class AdminController {
  constructor(
    private readonly rules: RulesRegistry,
    @Inject(CASCADE_LOOKUP) private readonly lookup: CascadeLookup,
    @Inject(REDIS) private readonly redis: RedisInvalidator,
    @Inject(CONFIG) private readonly config: InvalidatorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `POST /admin/explain?topic=<topic>` with a Kafka message value as the body (`null` for a tombstone). */
  @Post('explain')
  @HttpCode(200)
  async explain(
    @Query('topic') topic: string | undefined,
    @Req() request: RawBodyRequest<Request>,
  ): Promise<ExplainOutput> {
    if (topic === undefined || topic === '')
      throw new BadRequestException('query parameter "topic" is required');
    const value = request.rawBody?.toString('utf8') ?? '';
    try {
      return await explainMessage(
        this.rules.ruleSet,
        { topic, key: null, value },
        this.lookup,
        this.config.cascade,
      );
    } catch (error) {
      if (error instanceof InvalidatorError && !error.retriable)
        throw new BadRequestException(describeError(error));
      throw error;
    }
  }

  /** `POST /admin/invalidate` with `{"keys": [...], "tags": [...]}` and `Authorization: Bearer <token>`. */
  @Post('invalidate')
  @HttpCode(200)
  async invalidate(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ): Promise<InvalidationCounts> {
    const { token, invalidateEnabled } = this.config.admin;
    if (!invalidateEnabled || token === undefined) throw new NotFoundException();
    if (!sameSecret(authorization ?? '', `Bearer ${token}`)) throw new UnauthorizedException();
    const keys = stringList(body, 'keys');
    const tags = stringList(body, 'tags');
    this.logger.warn({ keys: keys.length, tags: tags.length }, 'on-demand invalidation');
    return this.redis.apply({ keys, tags, namespaces: [], patterns: [] });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function stringList(body: unknown, field: string): string[] {
  const value =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)[field]
      : undefined;
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    !value.every((item): item is string => typeof item === 'string' && item !== '')
  ) {
    throw new BadRequestException(`"${field}" must be an array of non-empty strings`);
  }
  return value;
}
