/**
 * Reads across every outbox lane (and the legacy pre-lane range) for the
 * event log's start-up: the highest seq written and the events after a seq,
 * merged back into seq order. Start-up only; the forwarder reads one lane at
 * a time through Outbox.
 */
import type { Event } from '../../protocols/event.ts';
import type { KvRange, KvStore } from './kv-store.ts';
import { LANE_PREFIX, LANES, LEGACY_OUTBOX_RANGE, legacyOutboxKey, laneKey, prefixEnd, seqOfOutboxKey } from './keys.ts';

/** One range per lane plus the legacy one, each starting after `seq`. */
function rangesAfter(seq: number): KvRange[] {
  return [
    ...LANES.map((lane) => ({ gt: laneKey(lane, seq), lt: prefixEnd(LANE_PREFIX[lane]) })),
    // legacyOutboxKey(seq) sorts at or above LEGACY_OUTBOX_RANGE.gte for every seq, so gt alone starts the range
    { gt: legacyOutboxKey(seq), lt: LEGACY_OUTBOX_RANGE.lt },
  ];
}

/** The highest seq found in any lane, 0 when the outbox is empty. */
export async function outboxTailSeq(store: KvStore): Promise<number> {
  let tail = 0;
  for (const range of rangesAfter(0)) {
    const [last] = await store.entries<unknown>({ ...range, reverse: true, limit: 1 });
    if (last) tail = Math.max(tail, seqOfOutboxKey(last[0]));
  }
  return tail;
}

/** Every outbox event with a seq above `seq`, in seq order, whatever lane it sits in. */
export async function outboxEventsAfter(store: KvStore, seq: number): Promise<Event[]> {
  const events: Event[] = [];
  for (const range of rangesAfter(seq)) for (const [, event] of await store.entries<Event>(range)) events.push(event);
  return events.sort((a, b) => a.seq - b.seq);
}
