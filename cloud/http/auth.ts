/**
 * Bearer authentication for hubs (ingest) and API keys (REST reads). The
 * secret is hashed and looked up by digest: the index lookup can only leak
 * timing about a SHA-256 output an attacker cannot steer, and the final match
 * is confirmed with a constant-time compare. A revoked hub, or a credential a
 * rotation replaced once its overlap ended, is refused with 401 and says which
 * (docs/provisioning.md).
 */
import type { MiddlewareHandler } from 'hono';
import { digestsEqual, sha256Hex } from '../crypto.ts';
import { ProblemError } from '../errors.ts';
import type { Database } from '../store/database.ts';
import { findApiKeyByDigest, findHubByTokenDigest, type ApiKeyIdentity, type HubIdentity } from '../store/credentials.ts';
import type { Caller, Role } from '../tenancy/context.ts';
import type { AppEnv } from './env.ts';

/** Longest bearer secret we hash; anything longer is not one of ours. */
const MAX_SECRET_LENGTH = 512;

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header ?? '');
  const secret = m?.[1];
  return secret !== undefined && secret.length <= MAX_SECRET_LENGTH ? secret : undefined;
}

async function authenticate<T>(
  header: string | undefined,
  lookup: (digest: string) => Promise<T | undefined>,
  storedDigest: (found: T) => string,
  what: string,
): Promise<T> {
  const secret = bearer(header);
  if (secret === undefined) throw new ProblemError('unauthorized', `Authorization: Bearer <${what}> is required`);
  const digest = sha256Hex(secret);
  const found = await lookup(digest);
  if (found === undefined || !digestsEqual(storedDigest(found), digest)) {
    throw new ProblemError('unauthorized', `The ${what} is not valid`);
  }
  return found;
}

/** @param now the relay's clock; a replaced credential is refused from its expires_at on. */
export function requireHub(db: Database, now: () => Date = () => new Date()): MiddlewareHandler<AppEnv> {
  return async function hubAuth(c, next) {
    const hub: HubIdentity = await authenticate(
      c.req.header('authorization'),
      (d) => findHubByTokenDigest(db, d),
      (h) => h.tokenSha256,
      'hub token',
    );
    if (hub.revokedAt !== null) {
      throw new ProblemError('unauthorized', `Hub "${hub.hubId}" is revoked (since ${hub.revokedAt.toISOString()}); an operator's claim code re-provisions it`);
    }
    if (hub.expiresAt !== null && hub.expiresAt.getTime() <= now().getTime()) {
      throw new ProblemError('unauthorized', `This hub token was replaced by a newer credential and stopped working at ${hub.expiresAt.toISOString()}`);
    }
    c.set('hub', { hubId: hub.hubId, orgId: hub.orgId });
    await next();
  };
}

/**
 * The caller behind an API key. A revoked key (DELETE /v1/api-keys/{id}, or dropped from the
 * bootstrap config) or an expired one is refused with 401 from that instant (docs/access.md).
 */
export async function authenticateApiKey(db: Database, header: string | undefined, now: Date): Promise<Caller> {
  const key: ApiKeyIdentity = await authenticate(header, (d) => findApiKeyByDigest(db, d), (k) => k.keySha256, 'API key');
  if (key.revokedAt !== null) throw new ProblemError('unauthorized', `API key "${key.keyId}" is revoked (since ${key.revokedAt.toISOString()})`);
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) {
    throw new ProblemError('unauthorized', `API key "${key.keyId}" expired at ${key.expiresAt.toISOString()}`);
  }
  return { keyId: key.keyId, orgId: key.orgId, orgKind: key.orgKind, role: key.role };
}

/**
 * Kept for code written before roles were declared per route; new routes use requireRoles
 * (cloud/tenancy/context.ts), which the route walk checks.
 * @param roles when given, a key of another role is refused with 403.
 */
export function requireApiKey(db: Database, roles?: readonly Role[], now: () => Date = () => new Date()): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const caller = await authenticateApiKey(db, c.req.header('authorization'), now());
    if (roles !== undefined && !roles.includes(caller.role)) {
      throw new ProblemError('forbidden', `This needs an API key with role ${roles.join(' or ')}; this key's role is ${caller.role}`);
    }
    c.set('caller', caller);
    c.set('principal', { keyId: caller.keyId, orgId: caller.orgId, role: caller.role });
    await next();
  };
}
