/**
 * A simulated resident's vital signs (docs/firmware-sim.md#vitals): SpO2, pulse, body temperature
 * and whether a finger is in the oximeter clip. A scenario sets them, or drifts them linearly to a
 * target over a span; every device sim of that resident reads `at(now)` when it builds a frame, so
 * an oximeter at 60 Hz and a BLE heart-rate strap at 1 Hz see the same resident.
 *
 * Pure: the time is passed in (the player's clock), nothing here owns a timer.
 */

export interface Vitals {
  /** % (0–100). */
  spo2: number;
  /** /min. */
  pulse: number;
  /** Cel. */
  temperature: number;
  /** Breaths /min (radars report it). */
  respiration: number;
  /** False: the finger is out of the clip (the oximeter says so, it sends no values). */
  fingerIn: boolean;
}

export type NumericVital = 'spo2' | 'pulse' | 'temperature' | 'respiration';
export const NUMERIC_VITALS: readonly NumericVital[] = ['spo2', 'pulse', 'temperature', 'respiration'];

export const DEFAULT_VITALS: Readonly<Vitals> = { spo2: 97, pulse: 72, temperature: 36.8, respiration: 14, fingerIn: true };

/** One linear ramp of one vital: from `from` at `start` to `to` at `start + span` (ms). */
interface Ramp {
  from: number;
  to: number;
  start: number;
  span: number;
}

export interface VitalsState {
  /** The vitals at time `now` (ms, the player's clock). */
  at(now: number): Vitals;
  /** Sets values at once; a drift of a vital that is set stops. */
  set(values: Partial<Vitals>): void;
  /** Moves each given vital linearly from its value at `now` to the target over `spanMs`. */
  drift(to: Partial<Record<NumericVital, number>>, spanMs: number, now: number): void;
}

export function createVitalsState(initial: Partial<Vitals> = {}): VitalsState {
  const base: Vitals = { ...DEFAULT_VITALS, ...initial };
  /** Active ramps keyed by vital. */
  const ramps = new Map<NumericVital, Ramp>();

  function value(vital: NumericVital, now: number): number {
    const ramp = ramps.get(vital);
    if (!ramp) return base[vital];
    if (now >= ramp.start + ramp.span) return ramp.to;
    if (now <= ramp.start) return ramp.from;
    return ramp.from + ((ramp.to - ramp.from) * (now - ramp.start)) / ramp.span;
  }

  return {
    at(now) {
      const out = { ...base };
      for (const vital of NUMERIC_VITALS) out[vital] = value(vital, now);
      return out;
    },
    set(values) {
      // A set vital stops drifting; the others keep their ramps.
      for (const vital of NUMERIC_VITALS) if (values[vital] !== undefined) ramps.delete(vital);
      for (const [key, v] of Object.entries(values)) if (v !== undefined) (base as unknown as Record<string, unknown>)[key] = v;
    },
    drift(to, spanMs, now) {
      for (const vital of NUMERIC_VITALS) {
        const target = to[vital];
        if (target === undefined) continue;
        const from = value(vital, now);
        if (spanMs <= 0) {
          ramps.delete(vital);
          base[vital] = target;
          continue;
        }
        ramps.set(vital, { from, to: target, start: now, span: spanMs });
        // When the ramp ends, its target is the value: keep base in step for a later set().
        base[vital] = target;
      }
    },
  };
}
