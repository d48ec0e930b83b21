/**
 * Drops repeated call-point events by the call point's own sequence number.
 * Receivers repeat RF frames and zigbee2mqtt can deliver an action twice
 * (z2m#32015); the seq is 16-bit and wraps, so a repeat counts only inside a window.
 *
 * Each call point's last accepted seq is also stored, in the batch that stores its event
 * (`callDedupOp`), and `restore()` reads it back at start: a hub killed after storing a call but
 * before its PUBACK went out would otherwise store the device's repeat of it a second time
 * (docs/crash-testing.md#findings).
 */
import type { KvOp, KvRange } from './store/kv-store.ts';

/** Store key prefix of the last accepted seq per call point; one key per device, so it never grows with traffic. */
const CALL_DEDUP_PREFIX = 'calldedup:';

export interface StoredCallSeq {
  seq: number;
  /** Hub clock, ms. */
  at: number;
}

/** The put that records a call point's accepted seq, for the same batch as its event. */
export function callDedupOp(deviceId: string, seq: number, at: number): KvOp {
  return { type: 'put', key: `${CALL_DEDUP_PREFIX}${deviceId}`, value: { seq, at } satisfies StoredCallSeq };
}

/** The range `restore()` reads. */
export const CALL_DEDUP_RANGE: KvRange = { gte: CALL_DEDUP_PREFIX, lt: `${CALL_DEDUP_PREFIX}\uffff` };

export class CallDedup {
  /** last-seen time in ms, keyed by `${deviceId}#${seq}` (Map keeps insertion order for pruning) */
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when this (device, seq) was remembered within the window. */
  isDuplicate(deviceId: string, seq: number, now: number): boolean {
    this.prune(now);
    const at = this.seen.get(`${deviceId}#${seq}`);
    return at !== undefined && now - at < this.windowMs;
  }

  remember(deviceId: string, seq: number, now: number): void {
    const key = `${deviceId}#${seq}`;
    this.seen.delete(key); // re-insert at the end, keeping the Map in time order for prune()
    this.seen.set(key, now);
  }

  /** Remembers what `callDedupOp` stored (entries of CALL_DEDUP_RANGE), oldest first so pruning stays in time order. */
  restore(entries: ReadonlyArray<readonly [string, StoredCallSeq]>): void {
    const byTime = [...entries].sort(([, a], [, b]) => a.at - b.at);
    for (const [key, { seq, at }] of byTime) this.remember(key.slice(CALL_DEDUP_PREFIX.length), seq, at);
  }

  forget(deviceId: string, seq: number): void {
    this.seen.delete(`${deviceId}#${seq}`);
  }

  private prune(now: number): void {
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
  }
}
