/**
 * The crash loop's verdict (docs/crash-testing.md#what-is-compared): what the simulated devices were
 * acknowledged, against the events the relay stored. Pure: the harness collects both sides.
 *
 * Every message a device sends carries an identity that survives the hub and the relay unchanged:
 * a call point's own sequence number (MQTT `seq`, the serial frame's SEQ) and, for telemetry, the
 * device time the simulator stamps uniquely per message. The identity key is `<deviceId>#<order>`,
 * where `order` also says in which order the device sent its messages.
 */

/** One device message the harness sent. */
export interface SentMessage {
  deviceId: string;
  /** Increases with every message of this device: the call point's seq, or the telemetry's device time in ms. */
  order: number;
  /** The device got its acknowledgement (MQTT PUBACK). Serial v1 frames have none. */
  acknowledged: boolean;
}

/** One row of the relay's events table, as much of it as the comparison needs. */
export interface StoredEvent {
  seq: number;
  kind: string;
  deviceId: string | null;
  /** Same meaning as SentMessage.order; null for events that are not a device's message (alarms, audit ...). */
  order: number | null;
  /** The hub's receive time, ms: how far apart two copies were stored, for the failure message. */
  hubTimeMs?: number;
}

export interface CrashLoopVerdict {
  acknowledged: number;
  /** Distinct sent messages found at the relay (acknowledged or not). */
  stored: number;
  /** Acknowledged messages the relay does not have. */
  lost: number;
  /** Rows beyond the first for one device message. */
  duplicates: number;
  /** Per device, consecutive stored messages (in the hub's seq order) whose device order goes backwards. */
  outOfOrder: number;
  /** Seqs missing between 1 and the highest seq the relay has for this hub. */
  seqGaps: number;
  /** Device events at the relay that match no message the harness sent. */
  unknown: number;
  /** Sent but unacknowledged messages that did arrive (in flight at a kill, or serial). */
  storedUnacknowledged: number;
  /** A few examples of each problem, for the failure message. */
  examples: { lost: string[]; duplicates: string[]; outOfOrder: string[]; unknown: string[] };
}

const EXAMPLES = 5;

export function messageKey(deviceId: string, order: number): string {
  return `${deviceId}#${order}`;
}

export function compareCrashLoop(sent: readonly SentMessage[], stored: readonly StoredEvent[]): CrashLoopVerdict {
  /** sent messages, keyed by messageKey */
  const sentByKey = new Map<string, SentMessage>();
  for (const m of sent) {
    const key = messageKey(m.deviceId, m.order);
    const earlier = sentByKey.get(key);
    // A call point repeating an unacknowledged press sends the same identity again: acknowledged if either was.
    sentByKey.set(key, { ...m, acknowledged: m.acknowledged || (earlier?.acknowledged ?? false) });
  }
  const examples: CrashLoopVerdict['examples'] = { lost: [], duplicates: [], outOfOrder: [], unknown: [] };
  const note = (list: string[], text: string) => {
    if (list.length < EXAMPLES) list.push(text);
  };

  const bySeq = [...stored].sort((a, b) => a.seq - b.seq);
  /** relay seq of the first row seen per message, keyed by messageKey */
  const firstSeq = new Map<string, number>();
  /** hub time of that first row, keyed by messageKey */
  const firstTime = new Map<string, number | undefined>();
  /** last device order seen per device, in seq order */
  const lastOrder = new Map<string, { order: number; seq: number }>();
  let duplicates = 0;
  let outOfOrder = 0;
  let unknown = 0;
  let seqGaps = 0;
  let expectedSeq = 1;
  for (const event of bySeq) {
    if (event.seq > expectedSeq) seqGaps += event.seq - expectedSeq;
    expectedSeq = Math.max(expectedSeq, event.seq + 1);
    if (event.deviceId === null || event.order === null) continue;
    const key = messageKey(event.deviceId, event.order);
    if (!sentByKey.has(key)) {
      unknown++;
      note(examples.unknown, `${key} at seq ${event.seq}`);
      continue;
    }
    const first = firstSeq.get(key);
    if (first !== undefined) {
      duplicates++;
      const before = firstTime.get(key);
      const apart = before !== undefined && event.hubTimeMs !== undefined ? ` (${event.hubTimeMs - before} ms apart)` : '';
      note(examples.duplicates, `${key} at seq ${first} and ${event.seq}${apart}`);
      continue;
    }
    firstSeq.set(key, event.seq);
    firstTime.set(key, event.hubTimeMs);
    const previous = lastOrder.get(event.deviceId);
    if (previous && event.order < previous.order) {
      outOfOrder++;
      note(examples.outOfOrder, `${event.deviceId}: ${event.order} at seq ${event.seq} after ${previous.order} at seq ${previous.seq}`);
    }
    lastOrder.set(event.deviceId, { order: event.order, seq: event.seq });
  }

  let acknowledged = 0;
  let lost = 0;
  let storedUnacknowledged = 0;
  for (const [key, m] of sentByKey) {
    const arrived = firstSeq.has(key);
    if (m.acknowledged) {
      acknowledged++;
      if (!arrived) {
        lost++;
        note(examples.lost, key);
      }
    } else if (arrived) storedUnacknowledged++;
  }
  return { acknowledged, stored: firstSeq.size, lost, duplicates, outOfOrder, seqGaps, unknown, storedUnacknowledged, examples };
}

/** The last line `npm run crashloop` prints, exactly as the issue names it. */
export function summaryLine(cycles: number, v: CrashLoopVerdict): string {
  return `cycles=${cycles} acknowledged=${v.acknowledged} stored=${v.stored} lost=${v.lost} duplicates=${v.duplicates} out_of_order=${v.outOfOrder}`;
}
