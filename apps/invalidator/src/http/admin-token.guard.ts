import { timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import type { InvalidatorConfig } from '../config/invalidator-config.js';
import { CONFIG } from '../invalidator-tokens.js';

/**
 * Lets a request through only with `Authorization: Bearer <INVALIDATOR_ADMIN_TOKEN>`. Without a
 * configured token the admin endpoints do not exist (404): they run database lookups and deletes,
 * which nobody should reach by default.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(CONFIG) private readonly config: InvalidatorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const { token } = this.config.admin;
    if (token === undefined) throw new NotFoundException();
    const request = context.switchToHttp().getRequest<Request>();
    if (!sameSecret(request.headers.authorization ?? '', `Bearer ${token}`)) {
      throw new UnauthorizedException();
    }
    return true;
  }
}

/** Compares in constant time, so the response time does not tell how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
