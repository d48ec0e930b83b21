/**
 * Key layout of the hub's LevelDB. Prefixes keep each family in its own range;
 * seq is zero-padded so lexical order is numeric order.
 */
/**
 * Every outbox key, of every lane and the legacy layout, starts with this; `OUTBOX_PREFIX`..
 * `prefixEnd(OUTBOX_PREFIX)` is the whole outbox (for counting bytes or kinds).
 *
 * Lanes (docs/store-and-forward.md): the outbox is two queues keyed by the same per-hub seq,
 * `outbox:c:<seq>` (critical) and `outbox:t:<seq>` (telemetry). An event is written to exactly one
 * lane, in the same atomic batch as before, so the seq still says the order things happened in;
 * the forwarder drains the critical lane first. Keys before lanes were `outbox:<seq>` (digits right
 * after the colon): `LEGACY_OUTBOX_*` below, moved into the lanes at start (hub/store/outbox.ts).
 */
export const OUTBOX_PREFIX = 'outbox:';
export type Lane = 'critical' | 'telemetry';
export const LANES: readonly Lane[] = ['critical', 'telemetry'];
/** Lane prefixes; both sort inside OUTBOX_PREFIX and after every legacy key (letters > digits). */
export const LANE_PREFIX: Readonly<Record<Lane, string>> = { critical: 'outbox:c:', telemetry: 'outbox:t:' };
export const ALARM_PREFIX = 'alarm:';
export const META_SEQ = 'meta:seq';
export const META_ACKED = 'meta:acked';
export const META_EVALUATED = 'meta:evaluated';
/** Whether the relay last answered IngestAck.storedRanges (hub/store/outbox.ts). */
export const META_RELAY_RANGES = 'meta:relay-ranges';
/** Rule state per rule and scope (hub/rules/engine.ts). */
export const RULE_STATE_PREFIX = 'rule:';

const SEQ_WIDTH = 16;

/**
 * Which lane an event travels in. Telemetry is what machines produce in volume and the disk budget
 * may thin or drop (readings, their per-minute summaries, device states, device status); everything else, alarms, their
 * updates and escalations, calls, audit and staff observations, and any kind added later, is
 * critical: forwarded first and never shed.
 */
export function laneOf(event: { kind: string }): Lane {
  return event.kind === 'reading' || event.kind === 'reading-summary' || event.kind === 'state' || event.kind === 'device-status' ? 'telemetry' : 'critical';
}

export function laneKey(lane: Lane, seq: number): string {
  return LANE_PREFIX[lane] + String(seq).padStart(SEQ_WIDTH, '0');
}

/** The seq of a lane key or a legacy outbox key: the digits after the last colon. */
export function seqOfOutboxKey(key: string): number {
  return Number(key.slice(key.lastIndexOf(':') + 1));
}

/** Legacy (pre-lane) keys: `outbox:` + 16 digits, the range `outbox:0` ≤ key < `outbox::` (':' follows '9'). */
export const LEGACY_OUTBOX_RANGE = { gte: 'outbox:0', lt: 'outbox::' } as const;

/** A pre-lane outbox key; only the upgrade and tests that build an old store use it. */
export function legacyOutboxKey(seq: number): string {
  return OUTBOX_PREFIX + String(seq).padStart(SEQ_WIDTH, '0');
}

export function alarmKey(alarmId: string): string {
  return ALARM_PREFIX + alarmId;
}

/** A rule id holds no '|', so the first one ends it; the scope (a resident or device id) follows. */
export function ruleStateKey(ruleId: string, scope: string): string {
  return `${RULE_STATE_PREFIX}${ruleId}|${scope}`;
}

/** The upper bound of a prefix range (`prefix` ≤ key < `prefixEnd(prefix)`). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
