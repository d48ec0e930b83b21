/**
 * API keys of the caller's organisation (docs/access.md#api-keys): create (secret shown once,
 * stored as SHA-256), list without secrets, revoke at once. Each change is appended to the
 * organisation's audit chain in the same transaction.
 */
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../crypto.ts';
import { ProblemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { Database } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { appendKeyAudit } from './audit.ts';
import { changeApiKeyRole, insertApiKey, listApiKeys, revokeApiKey } from './repo.ts';
import type { ApiKeyRecord, ChangeApiKeyBody, CreateApiKeyBody } from './schema.ts';

export interface ApiKeysService {
  create(caller: Caller, body: CreateApiKeyBody): Promise<ApiKeyRecord & { key: string }>;
  list(caller: Caller): Promise<ApiKeyRecord[]>;
  revoke(caller: Caller, id: string): Promise<ApiKeyRecord>;
  changeRole(caller: Caller, id: string, body: ChangeApiKeyBody): Promise<ApiKeyRecord>;
}

/** 32 random bytes: guessing one is out of reach; the prefix tells a leaked secret's kind at a glance. */
function newSecret(): string {
  return `chk_${randomBytes(32).toString('base64url')}`;
}

export function createApiKeysService(deps: { db: Database; now: () => Date; logger: Logger }): ApiKeysService {
  const { db, now, logger } = deps;
  return {
    async create(caller, body) {
      const at = now();
      const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt);
      if (expiresAt !== null && expiresAt.getTime() <= at.getTime()) {
        throw new ProblemError('invalid-request', 'expiresAt is in the past', { errors: [{ path: 'expiresAt', message: 'must be in the future' }] });
      }
      const key = newSecret();
      const id = `key_${randomBytes(8).toString('hex')}`;
      const record = await db.transaction(async function createKey(tx) {
        const created = await insertApiKey(scoped(tx, caller), { id, role: body.role, label: body.label ?? null, keySha256: sha256Hex(key), expiresAt, at });
        await appendKeyAudit(tx, {
          orgId: caller.orgId,
          actor: caller.keyId,
          action: 'api-key.create',
          keyId: id,
          detail: { role: created.role, label: created.label, expiresAt: created.expiresAt },
        });
        return created;
      });
      logger.info({ keyId: id, role: record.role, by: caller.keyId }, 'API key created');
      return { ...record, key };
    },

    async list(caller) {
      return listApiKeys(scoped(db, caller));
    },

    async revoke(caller, id) {
      const result = await db.transaction(async function revokeKey(tx) {
        const revoked = await revokeApiKey(scoped(tx, caller), id, now());
        // Another organisation's key answers exactly like a missing one (docs/access.md#tenancy-in-one-place).
        if (revoked === undefined) throw new ProblemError('not-found', `No API key "${id}" in organisation "${caller.orgId}"`);
        if (revoked.revokedNow) {
          await appendKeyAudit(tx, { orgId: caller.orgId, actor: caller.keyId, action: 'api-key.revoke', keyId: id, detail: { role: revoked.record.role } });
        }
        return revoked;
      });
      if (result.revokedNow) logger.warn({ keyId: id, by: caller.keyId }, 'API key revoked');
      return result.record;
    },

    async changeRole(caller, id, body) {
      const result = await db.transaction(async function changeRole(tx) {
        const changed = await changeApiKeyRole(scoped(tx, caller), id, body.role);
        if (changed === undefined) throw new ProblemError('not-found', `No API key "${id}" in organisation "${caller.orgId}"`);
        if (changed === 'revoked') throw new ProblemError('conflict', `API key "${id}" is revoked; make a new one`);
        if (changed.previousRole !== body.role) {
          await appendKeyAudit(tx, { orgId: caller.orgId, actor: caller.keyId, action: 'api-key.role-change', keyId: id, detail: { from: changed.previousRole, to: body.role } });
        }
        return changed;
      });
      if (result.previousRole !== body.role) logger.warn({ keyId: id, from: result.previousRole, to: body.role, by: caller.keyId }, 'API key role changed');
      return result.record;
    },
  };
}
