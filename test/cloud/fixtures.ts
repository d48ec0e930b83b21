/** Event and provisioning fixtures for relay tests. Ids are real UUIDv7s. */
import { randomBytes } from 'node:crypto';
import type { Event, EventOf } from '../../protocols/event.ts';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import type { IngestBatch } from '../../protocols/wire.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import type { Database } from '../../cloud/store/database.ts';

const BASE_MS = Date.parse('2026-03-01T08:00:00.000Z');

export function newId(offsetMs = 0): string {
  return uuidv7(BASE_MS + offsetMs, randomBytes(10));
}

function at(seq: number): string {
  return new Date(BASE_MS + seq * 1000).toISOString();
}

export function reading(hubId: string, seq: number): EventOf<'reading'> {
  return {
    id: newId(seq),
    hubId,
    seq,
    kind: 'reading',
    hubTime: at(seq),
    deviceId: 'oxi-1',
    roomId: 'room-101',
    payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' },
  } as EventOf<'reading'>;
}

export function alarm(hubId: string, seq: number, alarmId = newId(seq)): EventOf<'alarm'> {
  return {
    id: newId(seq),
    hubId,
    seq,
    kind: 'alarm',
    hubTime: at(seq),
    deviceId: 'call-101',
    roomId: 'room-101',
    residentId: 'res-7',
    payload: { alarmId, key: 'call:room-101', type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: 'call button pressed' },
  };
}

export function alarmUpdate(hubId: string, seq: number, alarmId: string, state: 'active' | 'acknowledged' | 'resolved'): EventOf<'alarm-update'> {
  return {
    id: newId(seq),
    hubId,
    seq,
    kind: 'alarm-update',
    hubTime: at(seq),
    roomId: 'room-101',
    payload: { alarmId, state, by: { kind: 'panel', id: 'nurse-station' } },
  };
}

export function batch(hubId: string, events: Event[]): IngestBatch {
  return { hubId, events };
}

/** Secrets and ids of a provisioned tenant. */
export interface Tenant {
  orgId: string;
  hubId: string;
  hubToken: string;
  apiKey: string;
}

/** Provisions one org with one hub and one API key; ids carry `tag` so tests sharing a DB do not collide. */
export async function provisionTenant(db: Database, tag: string): Promise<Tenant> {
  const t: Tenant = { orgId: `org-${tag}`, hubId: `hub-${tag}`, hubToken: `hub-token-${tag}`, apiKey: `api-key-${tag}` };
  await applyBootstrap(db, {
    orgs: [{ id: t.orgId, name: `Home ${tag}`, kind: 'nursing-home' }],
    hubs: [{ id: t.hubId, orgId: t.orgId, tokenSha256: sha256Hex(t.hubToken) }],
    apiKeys: [{ id: `key-${tag}`, orgId: t.orgId, role: 'operator', keySha256: sha256Hex(t.apiKey) }],
  });
  return t;
}

export async function countEvents(db: Database, hubId?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    hubId === undefined ? 'SELECT count(*)::int AS n FROM events' : 'SELECT count(*)::int AS n FROM events WHERE hub_id = $1',
    hubId === undefined ? [] : [hubId],
  );
  return rows[0]?.n ?? -1;
}

export async function ackedSeq(db: Database, hubId: string): Promise<number> {
  const { rows } = await db.query<{ acked_seq: number | string }>('SELECT acked_seq FROM hubs WHERE id = $1', [hubId]);
  return Number(rows[0]?.acked_seq ?? -1);
}
