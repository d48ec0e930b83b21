/**
 * Key layout of the hub's LevelDB. Prefixes keep each family in its own range;
 * seq is zero-padded so lexical order is numeric order.
 */
export const OUTBOX_PREFIX = 'outbox:';
export const ALARM_PREFIX = 'alarm:';
export const META_SEQ = 'meta:seq';
export const META_ACKED = 'meta:acked';
export const META_EVALUATED = 'meta:evaluated';
/** Rule state per rule and scope (hub/rules/engine.ts). */
export const RULE_STATE_PREFIX = 'rule:';

const SEQ_WIDTH = 16;

export function outboxKey(seq: number): string {
  return OUTBOX_PREFIX + String(seq).padStart(SEQ_WIDTH, '0');
}

export function seqOfOutboxKey(key: string): number {
  return Number(key.slice(OUTBOX_PREFIX.length));
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
