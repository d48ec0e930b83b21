/**
 * The due slot of a cron schedule at a given time: the latest instant ≤ now that the schedule
 * matches, in UTC (docs/jobs.md#slots). Pure. Every replica computes the same slot from the
 * database's time, so replicas whose clocks (and so node-cron ticks) differ still claim one key.
 */

interface CronFields {
  seconds: Set<number> | undefined; // undefined: a five-field schedule, slots are whole minutes
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  dayIsStar: boolean;
  weekdayIsStar: boolean;
}

function parseField(field: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo = min;
    let hi = max;
    if (range !== '*') {
      const [a, b] = range.split('-');
      lo = Number(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : Number(b);
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(step) || step < 1 || lo < min || hi > max || lo > hi) {
      throw new Error(`cron field "${field}" is not a number, range, list or step within ${min}-${max}`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v === 7 && max === 7 ? 0 : v); // 7 = Sunday too
  }
  return values;
}

export function parseCron(schedule: string): CronFields {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) throw new Error(`cron schedule "${schedule}" must have 5 or 6 fields`);
  const [sec, min, hour, day, month, weekday] = parts.length === 6 ? parts : ['', ...parts];
  return {
    seconds: parts.length === 6 ? parseField(sec!, 0, 59) : undefined,
    minutes: parseField(min!, 0, 59),
    hours: parseField(hour!, 0, 23),
    days: parseField(day!, 1, 31),
    months: parseField(month!, 1, 12),
    weekdays: parseField(weekday!, 0, 7),
    dayIsStar: day === '*',
    weekdayIsStar: weekday === '*',
  };
}

function matches(f: CronFields, t: Date): boolean {
  if (f.seconds !== undefined && !f.seconds.has(t.getUTCSeconds())) return false;
  if (!f.minutes.has(t.getUTCMinutes()) || !f.hours.has(t.getUTCHours()) || !f.months.has(t.getUTCMonth() + 1)) return false;
  return dayMatches(f, t);
}

function dayMatches(f: CronFields, t: Date): boolean {
  const dayOk = f.days.has(t.getUTCDate());
  const weekdayOk = f.weekdays.has(t.getUTCDay());
  // Classic cron: when both day fields are restricted, either one matching is enough.
  if (!f.dayIsStar && !f.weekdayIsStar) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/** Looks back at most this far; a schedule that has not matched in a year has no slot. */
const LOOKBACK_MS = 366 * 24 * 3_600_000;

export function dueSlot(schedule: string | CronFields, now: Date): Date | undefined {
  const f = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const stepMs = f.seconds === undefined ? 60_000 : 1_000;
  let t = Math.floor(now.getTime() / stepMs) * stepMs;
  const stop = now.getTime() - LOOKBACK_MS;
  // Whole hours or days that cannot match are skipped, so a daily schedule costs < 24 + 60 steps and a yearly one a few hundred.
  while (t >= stop) {
    const d = new Date(t);
    if (!f.months.has(d.getUTCMonth() + 1) || !dayMatches(f, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - stepMs;
      continue;
    }
    if (!f.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()) - stepMs;
      continue;
    }
    if (f.seconds !== undefined && !f.minutes.has(d.getUTCMinutes())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()) - stepMs;
      continue;
    }
    if (matches(f, d)) return d;
    t -= stepMs;
  }
  return undefined;
}
