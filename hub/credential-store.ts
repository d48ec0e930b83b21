/**
 * The hub's relay credential in its data folder (docs/provisioning.md#the-credential-file):
 * `<dataDir>/credential.json`, owner-only (0600), written whole or not at all (temp file, fsync,
 * rename), checked with zod when read. `hub start` uses it when the config gives no token.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Id } from '../protocols/event.ts';

export const CREDENTIAL_FILE = 'credential.json';

export const StoredCredential = z.strictObject({
  hubId: Id,
  relayUrl: z.url(),
  token: z.string().min(16).max(512),
  /** The hub's life at the relay when this credential was issued (docs/provisioning.md#epochs). */
  epoch: z.number().int().min(0),
  /** Where the log went on when the credential was issued. */
  firstSeq: z.number().int().min(1),
  provisionedAt: z.iso.datetime({ offset: true }),
});
export type StoredCredential = z.infer<typeof StoredCredential>;

export class CredentialError extends Error {
  readonly code: 'unreadable' | 'invalid';
  constructor(code: CredentialError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialError';
    this.code = code;
  }
}

export function credentialPath(dataDir: string): string {
  return join(dataDir, CREDENTIAL_FILE);
}

/** The stored credential; undefined when there is none; CredentialError when it cannot be trusted. */
export function readCredential(dataDir: string): StoredCredential | undefined {
  const path = credentialPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CredentialError('unreadable', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CredentialError('invalid', `${path} is not JSON; provision the hub again (hub provision --force)`, { cause: err });
  }
  const parsed = StoredCredential.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new CredentialError('invalid', `${path} is not a hub credential (${detail}); provision the hub again (hub provision --force)`);
  }
  return parsed.data;
}

/**
 * Writes the credential atomically: a crash leaves the old file or the new one, never half of
 * either. The temp file is created 0600 so the token is never readable by others, even briefly.
 */
export function writeCredential(dataDir: string, credential: StoredCredential): void {
  const path = credentialPath(dataDir);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(StoredCredential.parse(credential), null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(temp, path);
  // The rename is durable only once the folder's entry is on disk.
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * The relay URL and token `hub start` forwards with: the config's token wins (HUB_RELAY_TOKEN or
 * relay.token); else the stored credential, whose relay URL is used when the config names none.
 * A credential of another hub id is refused: it would deliver under someone else's name.
 */
export function resolveRelayCredential(config: { hubId: string; dataDir: string; relay: { url?: string | undefined; token?: string | undefined } }):
  | { url: string; token: string; source: 'config' | 'credential-file' }
  | { url: undefined; reason: 'no-relay' | 'not-provisioned' } {
  if (config.relay.token !== undefined) {
    return config.relay.url === undefined ? { url: undefined, reason: 'no-relay' } : { url: config.relay.url, token: config.relay.token, source: 'config' };
  }
  const stored = readCredential(config.dataDir);
  if (stored === undefined) return { url: undefined, reason: config.relay.url === undefined ? 'no-relay' : 'not-provisioned' };
  if (stored.hubId !== config.hubId) {
    throw new CredentialError('invalid', `${credentialPath(config.dataDir)} is hub "${stored.hubId}"'s credential, but this hub is "${config.hubId}"`);
  }
  return { url: config.relay.url ?? stored.relayUrl, token: stored.token, source: 'credential-file' };
}
