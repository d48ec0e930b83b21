/**
 * The app-wide access binding (docs/access.md): mounted once in the app, it lets a route's
 * requireRoles (cloud/tenancy/context.ts) authenticate the API key and apply the per-key rate limit
 * without each resource carrying the store and the limiter around.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { ProblemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Caller } from '../tenancy/context.ts';
import type { Database } from '../store/database.ts';
import { KeyRateLimiter, type KeyRateLimits } from './access-rate.ts';
import { authenticateApiKey } from './auth.ts';
import type { AppEnv } from './env.ts';
import type { Metrics } from './metrics.ts';

export interface Access {
  /** Authenticates the bearer API key, sets `caller` (and the older `principal`), returns it. */
  authenticate(c: Context<AppEnv>): Promise<Caller>;
  /** 429 with Retry-After when the key is over its rate. */
  admitKey(c: Context<AppEnv>, caller: Caller): Promise<void>;
}

export interface AccessOptions {
  db: Database;
  now: () => Date;
  limits: KeyRateLimits;
  metrics: Metrics;
  logger: Logger;
}

/** Rate-limited requests are logged at warn at most this often, with the count since. */
const LOG_EVERY_MS = 10_000;

export function createAccess(options: AccessOptions): { access: Access; bind: MiddlewareHandler<AppEnv> } {
  const { db, now } = options;
  const limiter = new KeyRateLimiter(options.limits, () => now().getTime());
  const log = options.logger.child({ module: 'access' });
  let loggedAt = 0;
  let limitedSince = 0;

  const access: Access = {
    async authenticate(c) {
      const caller = await authenticateApiKey(db, c.req.header('authorization'), now());
      c.set('caller', caller);
      c.set('principal', { keyId: caller.keyId, orgId: caller.orgId, role: caller.role });
      return caller;
    },
    async admitKey(_c, caller) {
      const verdict = limiter.admit(caller.keyId);
      if (verdict.admitted) return;
      limitedSince += 1;
      const at = now().getTime();
      if (at - loggedAt >= LOG_EVERY_MS) {
        log.warn({ keyId: caller.keyId, limitedSince }, 'API key over its rate limit: 429');
        loggedAt = at;
        limitedSince = 0;
      }
      throw new ProblemError('key-rate-limited', `API key "${caller.keyId}" sends more than ${options.limits.perSecond} requests/s; try again after Retry-After`, {
        retryAfterSeconds: verdict.retryAfterSeconds,
      });
    },
  };
  return {
    access,
    bind: async function bindAccess(c, next) {
      c.set('access', access);
      await next();
    },
  };
}
