/**
 * Provisioning a hub (docs/provisioning.md): exchange a claim code at the relay for the hub's
 * credential, or install a rotated credential, and store it in the data folder. Runs while the
 * hub is stopped: it opens the hub's LevelDB to learn where the log stands, and for an empty data
 * folder makes the log start where the relay said (the hub's new life).
 */
import { z } from 'zod';
import { ClaimAnswer, CLAIM_PATH, normaliseClaimCode } from '../protocols/claim-code.ts';
import type { KvStore } from './store/kv-store.ts';
import { META_ACKED, META_EVALUATED, META_SEQ } from './store/keys.ts';
import { outboxTailSeq } from './store/outbox-scan.ts';
import { writeCredential, type StoredCredential } from './credential-store.ts';

export type ProvisionErrorCode = 'bad-code' | 'relay-refused' | 'relay-unreachable' | 'bad-answer' | 'store-busy';

export class ProvisionError extends Error {
  readonly code: ProvisionErrorCode;
  constructor(code: ProvisionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProvisionError';
    this.code = code;
  }
}

export interface ProvisionOptions {
  hubId: string;
  dataDir: string;
  relayUrl: string;
  /**
   * Makes the hub's store; called only once the input is checked, and closed here. A factory, not
   * a store: a level instance opens itself as soon as it is made, and would hold the folder's lock.
   */
  createStore: () => KvStore;
  fetch?: typeof fetch;
  now?: () => Date;
}

/** A relay that has not answered in this long is not going to (ms). */
const RELAY_TIMEOUT_MS = 30_000;

/** The relay's answer to the hub's self check (GET /v1/hub). */
const SelfAnswer = z.object({ hubId: z.string(), epoch: z.number().int().min(0), ackedSeq: z.number().int().min(0) });

/** Last seq written in the data folder: 0 for an empty one. As EventLog.start reads it. */
async function logSeqOf(store: KvStore): Promise<number> {
  return Math.max((await store.get<number>(META_SEQ)) ?? 0, await outboxTailSeq(store));
}

/**
 * Makes an empty log start after `floor`: the next event gets seq floor + 1, and nothing below it
 * counts as waiting to be sent. One synced batch, before the credential exists, so a crash here
 * leaves a folder that the next provisioning sees as continuing at the floor (docs/provisioning.md#epochs).
 */
async function seedSeqFloor(store: KvStore, floor: number): Promise<void> {
  await store.batch(
    [
      { type: 'put', key: META_SEQ, value: floor },
      { type: 'put', key: META_EVALUATED, value: floor },
      { type: 'put', key: META_ACKED, value: floor },
    ],
    { sync: true },
  );
}

async function openStore(createStore: () => KvStore): Promise<KvStore> {
  const store = createStore();
  try {
    await store.open();
    return store;
  } catch (err) {
    await store.close().catch(() => undefined);
    // LevelDB allows one process at a time: a running hub holds the lock.
    throw new ProvisionError('store-busy', `cannot open the hub's store (is the hub running? stop it first): ${(err as Error).message}`, { cause: err });
  }
}

async function callRelay(options: ProvisionOptions, path: string, init: RequestInit): Promise<{ status: number; json: unknown }> {
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(new URL(path, options.relayUrl), { ...init, signal: AbortSignal.timeout(RELAY_TIMEOUT_MS) });
    text = await res.text();
  } catch (err) {
    throw new ProvisionError('relay-unreachable', `relay unreachable: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProvisionError('bad-answer', `the relay answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const detail = typeof json === 'object' && json !== null && 'detail' in json ? String((json as { detail: unknown }).detail) : text.slice(0, 200);
    throw new ProvisionError('relay-refused', `the relay refused (${res.status}): ${detail}`);
  }
  return { status: res.status, json };
}

/** Exchanges a claim code for the hub's credential and stores it; returns what was stored. */
export async function provisionWithClaim(options: ProvisionOptions & { code: string }): Promise<StoredCredential & { logSeq: number }> {
  // Checked here first, so a typo costs no round trip and the relay never sees a malformed code.
  if (normaliseClaimCode(options.code) === undefined) {
    throw new ProvisionError('bad-code', 'that is not a claim code: 12 letters and digits, as XXXX-XXXX-XXXX (case, dashes and spaces do not matter)');
  }
  const store = await openStore(options.createStore);
  try {
    const logSeq = await logSeqOf(store);
    const { json } = await callRelay(options, CLAIM_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: options.code, hubId: options.hubId, logSeq }),
    });
    const answer = ClaimAnswer.safeParse(json);
    if (!answer.success || answer.data.hubId !== options.hubId) {
      throw new ProvisionError('bad-answer', 'the relay\'s answer to the claim is not a credential for this hub');
    }
    if (logSeq === 0 && answer.data.firstSeq > 1) await seedSeqFloor(store, answer.data.firstSeq - 1);
    const credential: StoredCredential = {
      hubId: answer.data.hubId,
      relayUrl: options.relayUrl,
      token: answer.data.token,
      epoch: answer.data.epoch,
      firstSeq: answer.data.firstSeq,
      provisionedAt: (options.now?.() ?? new Date()).toISOString(),
    };
    writeCredential(options.dataDir, credential);
    return { ...credential, logSeq };
  } finally {
    await store.close();
  }
}

/**
 * Installs a credential an operator got from a rotation (POST /v1/hubs/{id}/rotate): checked
 * against the relay (GET /v1/hub) before it replaces anything.
 */
export async function provisionWithToken(options: ProvisionOptions & { token: string }): Promise<StoredCredential & { logSeq: number }> {
  const store = await openStore(options.createStore);
  try {
    const logSeq = await logSeqOf(store);
    const { json } = await callRelay(options, '/v1/hub', { headers: { authorization: `Bearer ${options.token}` } });
    const self = SelfAnswer.safeParse(json);
    if (!self.success) throw new ProvisionError('bad-answer', 'the relay\'s answer to GET /v1/hub is not a hub record');
    if (self.data.hubId !== options.hubId) {
      throw new ProvisionError('relay-refused', `that token is hub "${self.data.hubId}"'s credential, but this hub is "${options.hubId}"`);
    }
    if (logSeq === 0 && self.data.ackedSeq > 0) {
      // An empty folder's log would start at 1 and collide with what the relay holds.
      throw new ProvisionError(
        'relay-refused',
        `this data folder is empty, but the relay holds hub "${options.hubId}"'s events up to seq ${self.data.ackedSeq}: a new data folder needs a claim code (POST /v1/hubs/{id}/claims), not a token`,
      );
    }
    const credential: StoredCredential = {
      hubId: options.hubId,
      relayUrl: options.relayUrl,
      token: options.token,
      epoch: self.data.epoch,
      firstSeq: logSeq + 1,
      provisionedAt: (options.now?.() ?? new Date()).toISOString(),
    };
    writeCredential(options.dataDir, credential);
    return { ...credential, logSeq };
  } finally {
    await store.close();
  }
}
