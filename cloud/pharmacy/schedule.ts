/**
 * Pure delivery schedule of a long-term prescription (docs/pharmacy.md): which fills exist, when
 * each must be ordered, and which warnings are due on a given day. No clock and no I/O: the caller
 * passes "today" (the database's date, so a replica with a wrong clock cannot shift it).
 *
 * Dates are calendar days (YYYY-MM-DD, UTC). Fill 1 is due on the first day of validity; fill n+1
 * is due when fill n runs out minus the lead time, never before validity starts. A fill whose due
 * day falls after the last day of validity does not exist, nor does one beyond the repeats.
 */
import { z } from 'zod';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

export const isoDay = z
  .string()
  .regex(ISO_DAY, 'expected a calendar day YYYY-MM-DD')
  .refine((s) => toDayNumber(s) !== null, 'not a real calendar day');

export const SchedulePlan = z
  .object({
    quantityPerFill: z.number().positive(),
    dose: z.number().positive(),
    timesPerDay: z.number().positive(),
    repeats: z.number().int().min(0).max(120),
    validFrom: isoDay,
    validUntil: isoDay,
    leadTimeDays: z.number().int().min(0).max(60),
  })
  .refine((p) => toDayNumber(p.validUntil)! >= toDayNumber(p.validFrom)!, {
    message: 'validUntil must not be before validFrom',
    path: ['validUntil'],
  })
  .refine((p) => daysOfSupply(p) >= 1, {
    message: 'quantity per fill must last at least one day (quantity ÷ (dose × times per day) ≥ 1)',
    path: ['quantityPerFill'],
  });
export type SchedulePlan = z.infer<typeof SchedulePlan>;

export interface Fill {
  /** 1-based; fill 1 is the original supply, fills 2.. are the repeats. */
  fillNo: number;
  /** The day the order is due at the pharmacy. */
  dueDay: string;
  /** First day this fill's supply is taken. */
  supplyFrom: string;
  /** First day without this fill's supply (run-out). */
  runOutDay: string;
}

export type Warning =
  | { kind: 'not-dispatched'; fillNo: number; dueDay: string }
  | { kind: 'no-repeats-left'; runOutDay: string }
  | { kind: 'expiring'; validUntil: string };

/** Days before validUntil from which a prescription counts as expiring. */
export const EXPIRY_NOTICE_DAYS = 14;

export function toDayNumber(day: string): number | null {
  if (!ISO_DAY.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over to March: reject days that do not round-trip.
  return fromDayNumber(ms / MS_PER_DAY) === day ? ms / MS_PER_DAY : null;
}

export function fromDayNumber(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Whole days one fill lasts; a part day left over is not counted, so run-out is never late. */
export function daysOfSupply(p: { quantityPerFill: number; dose: number; timesPerDay: number }): number {
  return Math.floor(p.quantityPerFill / (p.dose * p.timesPerDay) + 1e-9);
}

/** Every fill the prescription allows, in order. */
export function planFills(plan: SchedulePlan): Fill[] {
  const supply = daysOfSupply(plan);
  const from = toDayNumber(plan.validFrom)!;
  const until = toDayNumber(plan.validUntil)!;
  const fills: Fill[] = [];
  for (let i = 0; i <= plan.repeats; i += 1) {
    const supplyFrom = from + i * supply;
    // Ordered ahead of the previous fill's run-out, but a prescription cannot be filled before it is valid.
    const due = i === 0 ? from : Math.max(from, supplyFrom - plan.leadTimeDays);
    if (due > until) break;
    fills.push({
      fillNo: i + 1,
      dueDay: fromDayNumber(due),
      supplyFrom: fromDayNumber(supplyFrom),
      runOutDay: fromDayNumber(supplyFrom + supply),
    });
  }
  return fills;
}

/** Fills whose order is due on or before `today`; the job inserts them idempotently. */
export function fillsDueBy(plan: SchedulePlan, today: string): Fill[] {
  const t = toDayNumber(today);
  if (t === null) throw new RangeError(`not a calendar day: ${today}`);
  return planFills(plan).filter((f) => toDayNumber(f.dueDay)! <= t);
}

export interface DeliveryState {
  fillNo: number;
  dueDay: string;
  status: 'scheduled' | 'ordered' | 'dispatched' | 'delivered' | 'received';
}

/** The warnings in force on `today` for one prescription and its deliveries so far. */
export function warningsOn(plan: SchedulePlan, deliveries: readonly DeliveryState[], today: string): Warning[] {
  const t = toDayNumber(today);
  if (t === null) throw new RangeError(`not a calendar day: ${today}`);
  const out: Warning[] = [];
  for (const d of deliveries) {
    // Due day over and still not on its way.
    if ((d.status === 'scheduled' || d.status === 'ordered') && toDayNumber(d.dueDay)! < t) {
      out.push({ kind: 'not-dispatched', fillNo: d.fillNo, dueDay: d.dueDay });
    }
  }
  const fills = planFills(plan);
  const last = fills.at(-1);
  if (last !== undefined) {
    const runOut = toDayNumber(last.runOutDay)!;
    // From the day the next order would have been due until the resident runs out, nobody can order more.
    if (t >= runOut - plan.leadTimeDays && t < runOut) out.push({ kind: 'no-repeats-left', runOutDay: last.runOutDay });
  }
  const until = toDayNumber(plan.validUntil)!;
  if (t <= until && until - t <= EXPIRY_NOTICE_DAYS) out.push({ kind: 'expiring', validUntil: plan.validUntil });
  return out;
}
