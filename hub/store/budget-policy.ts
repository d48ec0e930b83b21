/**
 * The outbox's disk budget as a pure decision (docs/disk-budget.md#thresholds): given the bytes the
 * outbox holds, what to do now. Critical events are never refused nor shed; telemetry yields.
 *
 *   0 ─────── target ── thin ── drop ── ceiling ──── reserve ──── budget
 *             70 %      80 %    90 %    100 % of (budget − reserve)
 *
 * Above `thin`, telemetry is thinned oldest first down to `target`; above `drop` with nothing left
 * to thin, the oldest telemetry is dropped down to `target`, so the reserve above the ceiling stays
 * for critical events. New telemetry is never refused: a
 * reading may raise an alarm (a low SpO2, a device gone offline), so it is stored and goes through
 * the rules, and the oldest telemetry makes room. The gap between the start of shedding and its
 * target keeps passes rare (hysteresis): each frees a tenth of the ceiling at least.
 */

export interface BudgetLimits {
  /** the whole outbox's budget (outbox.maxBytes) */
  budgetBytes: number;
  /** kept for critical events: telemetry stops at budgetBytes − reserveBytes */
  reserveBytes: number;
}

export interface BudgetThresholds {
  /** telemetry is shed well before it reaches this: the rest of the budget is the critical reserve */
  ceiling: number;
  /** thinning starts above this */
  thinAbove: number;
  /** dropping starts above this, once nothing is left to thin */
  dropAbove: number;
  /** shedding stops at or below this */
  target: number;
}

export type SheddingAction = 'none' | 'thin' | 'drop-oldest';

export interface SheddingDecision {
  action: SheddingAction;
  /** bytes to free to reach the target (0 when action is 'none') */
  bytesToFree: number;
}

/**
 * The data folder's filesystem as last probed (docs/disk-budget.md#free-space): the outbox's bytes
 * then, the bytes still free to the hub, and a margin kept free for LevelDB's own files (its
 * write-ahead log and compactions write beyond the data counted here).
 */
export interface DiskSpace {
  usedBytes: number;
  freeBytes: number;
  marginBytes: number;
}

/**
 * The budget in force: the configured one, or less when the disk could not hold it (a disk smaller
 * than outbox.maxBytes, or something else filling it). The reserve stays whole, so the telemetry
 * ceiling comes down first and telemetry is shed before the filesystem fills; a disk that cannot
 * hold even the reserve leaves telemetry nothing.
 */
export function diskAwareLimits(limits: BudgetLimits, disk: DiskSpace | null): BudgetLimits {
  if (!disk) return limits;
  const fits = Math.max(0, disk.usedBytes + disk.freeBytes - disk.marginBytes);
  return { budgetBytes: Math.min(limits.budgetBytes, fits), reserveBytes: limits.reserveBytes };
}

export const THIN_ABOVE = 0.8;
export const DROP_ABOVE = 0.9;
export const TARGET = 0.7;

export function budgetThresholds(limits: BudgetLimits): BudgetThresholds {
  const ceiling = Math.max(0, limits.budgetBytes - limits.reserveBytes);
  return {
    ceiling,
    thinAbove: Math.floor(ceiling * THIN_ABOVE),
    dropAbove: Math.floor(ceiling * DROP_ABOVE),
    target: Math.floor(ceiling * TARGET),
  };
}

/**
 * Where a shedding pass is: `idle` before its first step, then the last kind of step it took. A pass
 * that has started goes on down to the target, not just below the threshold that started it, so
 * each pass frees a tenth of the ceiling at least and passes stay rare.
 */
export type SheddingPhase = 'idle' | 'thinning' | 'dropping';

/**
 * @param usedBytes what the whole outbox holds (critical events count too: they leave telemetry less room)
 * @param thinnable whether closed minutes of raw readings are still waiting that a summary could replace
 */
export function decideShedding(usedBytes: number, thinnable: boolean, limits: BudgetLimits, phase: SheddingPhase = 'idle'): SheddingDecision {
  const t = budgetThresholds(limits);
  if (usedBytes <= (phase === 'idle' ? t.thinAbove : t.target)) return { action: 'none', bytesToFree: 0 };
  const bytesToFree = usedBytes - t.target;
  if (thinnable) return { action: 'thin', bytesToFree };
  if (phase === 'dropping' || usedBytes > t.dropAbove) return { action: 'drop-oldest', bytesToFree };
  return { action: 'none', bytesToFree: 0 };
}
