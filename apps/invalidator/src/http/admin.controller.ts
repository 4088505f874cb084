import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Query,
  Req,
  UseGuards,
  type RawBodyRequest,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { describeError, InvalidatorError } from '#errors';
import { CASCADE_LOOKUP } from '#nest-debezium';
import type { InvalidationCounts } from '#invalidation';
import { RedisInvalidator } from '#redis-invalidation';
import { explainMessage, type CascadeLookup, type ExplainOutput } from '#rules';
import type { InvalidatorConfig } from '../config/invalidator-config.js';
import { CONFIG, LOGGER } from '../invalidator-tokens.js';
import { RulesRegistry } from '../rules/rules-registry.js';
import { explainTopicSchema, invalidateBodySchema } from './admin-request-schemas.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { ZodValidationPipe } from './zod-validation.pipe.js';

/**
 * Operator endpoints, all behind the bearer token (`AdminTokenGuard`; without a token configured
 * they answer 404). `explain` only reads, but runs cascade lookups on the database; `invalidate`
 * deletes on demand, so it is also off unless INVALIDATOR_ADMIN_INVALIDATE_ENABLED=true.
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(
    private readonly rules: RulesRegistry,
    @Inject(CASCADE_LOOKUP) private readonly lookup: CascadeLookup,
    private readonly redis: RedisInvalidator,
    @Inject(CONFIG) private readonly config: InvalidatorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `POST /admin/explain?topic=<topic>` with a Kafka message value as the body (`null` for a tombstone). */
  @Post('explain')
  @HttpCode(200)
  async explain(
    @Query('topic', new ZodValidationPipe(explainTopicSchema)) topic: string,
    @Req() request: RawBodyRequest<Request>,
  ): Promise<ExplainOutput> {
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
    @Body(new ZodValidationPipe(invalidateBodySchema)) body: z.output<typeof invalidateBodySchema>,
  ): Promise<InvalidationCounts> {
    if (!this.config.admin.invalidateEnabled) throw new NotFoundException();
    const { keys, tags } = body;
    this.logger.warn({ keys: keys.length, tags: tags.length }, 'on-demand invalidation');
    return this.redis.apply({ keys, tags, namespaces: [], patterns: [] });
  }
}
