/**
 * The audit chain's pure part (docs/audit.md): the canonical encoding of an entry and its SHA-256.
 * No I/O here, so verify and append cannot disagree on what an entry's hash covers.
 */
import { createHash } from 'node:crypto';

/** prev_hash of a chain's first entry: 64 zeros, so every entry has the same shape. */
export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who did it: an API key (and its organisation), a hub, or the relay itself. */
export interface AuditActor {
  kind: 'api-key' | 'hub' | 'system';
  id: string;
  /** The actor's organisation; differs from the chain's when a hospital reads a referred resident. */
  orgId?: string;
}

/** What the hash covers: every stored column except id and hash. */
export interface ChainedEntry {
  orgId: string;
  seq: number;
  /** ISO 8601 UTC with milliseconds, as stored (timestamptz keeps microseconds; we never write finer than ms). */
  at: string;
  actor: AuditActor;
  action: string;
  targetType: string;
  targetId: string;
  detail: { [key: string]: JsonValue };
  prevHash: string;
}

/**
 * JSON with object keys sorted at every level and no whitespace (the idea of RFC 8785): jsonb
 * stores keys in its own order, so the encoding must not depend on key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('audit entries hold finite numbers only');
    if (value === undefined) throw new TypeError('audit entries hold no undefined values');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function entryHash(entry: ChainedEntry): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}
