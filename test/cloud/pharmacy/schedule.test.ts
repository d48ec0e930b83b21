/**
 * Pure pharmacy schedule: a year of deliveries walked day by day with a fake clock, and properties
 * of the fills (count, order, due before run-out, inside validity) over generated prescriptions.
 */
import fc from 'fast-check';
import t from 'tap';
import {
  SchedulePlan,
  daysOfSupply,
  fillsDueBy,
  fromDayNumber,
  planFills,
  toDayNumber,
  warningsOn,
  type DeliveryState,
} from '../../../cloud/pharmacy/schedule.ts';

const YEAR_PLAN: SchedulePlan = SchedulePlan.parse({
  quantityPerFill: 56, // 28 days at 1 tablet twice a day
  dose: 1,
  timesPerDay: 2,
  repeats: 11,
  validFrom: '2026-01-05',
  validUntil: '2026-12-31',
  leadTimeDays: 3,
});

/** Walks the fake clock one day at a time, "creating" what is due, as the job does with its unique key. */
function walk(plan: SchedulePlan, fromDay: string, days: number): Map<number, string> {
  const created = new Map<number, string>();
  const start = toDayNumber(fromDay)!;
  for (let d = 0; d < days; d += 1) {
    const today = fromDayNumber(start + d);
    for (const f of fillsDueBy(plan, today)) if (!created.has(f.fillNo)) created.set(f.fillNo, today);
  }
  return created;
}

t.test('a year of deliveries checked day by day: each fill once, on its due day, none after repeats or validity', async (t) => {
  const created = walk(YEAR_PLAN, '2025-12-01', 420);
  const fills = planFills(YEAR_PLAN);
  t.equal(daysOfSupply(YEAR_PLAN), 28);
  t.equal(fills.length, 12, 'first fill plus 11 repeats all fall inside the validity');
  t.same([...created.keys()], fills.map((f) => f.fillNo), 'each fill created once, in order');
  for (const f of fills) t.equal(created.get(f.fillNo), f.dueDay, `fill ${f.fillNo} created on its due day`);
  t.equal(fills[0]!.dueDay, '2026-01-05');
  t.equal(fills[1]!.dueDay, '2026-01-30', 'fill 2: run-out 2026-02-02 minus 3 days lead');
  for (const day of created.values()) t.ok(day <= YEAR_PLAN.validUntil);
});

t.test('validity cuts the fills short: none due after validUntil even with repeats left', async (t) => {
  const plan = SchedulePlan.parse({ ...YEAR_PLAN, validUntil: '2026-04-30' });
  const created = walk(plan, '2026-01-01', 400);
  t.same([...created.keys()], [1, 2, 3, 4, 5]);
  t.ok([...created.values()].every((d) => d <= '2026-04-30'));
});

t.test('repeats cut the fills short', async (t) => {
  const plan = SchedulePlan.parse({ ...YEAR_PLAN, repeats: 2 });
  t.same([...walk(plan, '2026-01-01', 400).keys()], [1, 2, 3]);
});

t.test('bad plans are refused with a clear error', async (t) => {
  t.notOk(SchedulePlan.safeParse({ ...YEAR_PLAN, quantityPerFill: 1, dose: 2 }).success, 'less than a day of supply');
  t.notOk(SchedulePlan.safeParse({ ...YEAR_PLAN, validUntil: '2025-12-31' }).success, 'ends before it starts');
  t.notOk(SchedulePlan.safeParse({ ...YEAR_PLAN, validFrom: '2026-02-30' }).success, 'no such day');
  t.throws(() => fillsDueBy(YEAR_PLAN, 'yesterday'), RangeError);
});

t.test('warnings: not dispatched by the due day, no repeats left before run-out, expiring', async (t) => {
  const plan = SchedulePlan.parse({ ...YEAR_PLAN, repeats: 1, validUntil: '2026-03-31' });
  const fills = planFills(plan); // due 01-05, 01-30; run-out of fill 2 on 03-02
  const late: DeliveryState[] = [{ fillNo: 1, dueDay: fills[0]!.dueDay, status: 'ordered' }];
  t.same(warningsOn(plan, late, '2026-01-05'), [], 'on the due day itself nothing is late yet');
  t.same(warningsOn(plan, late, '2026-01-06'), [{ kind: 'not-dispatched', fillNo: 1, dueDay: '2026-01-05' }]);
  t.same(warningsOn(plan, [{ ...late[0]!, status: 'dispatched' }], '2026-01-06'), [], 'dispatched is not late');
  t.same(warningsOn(plan, [], '2026-02-26'), [], 'before the next order would be due');
  t.same(warningsOn(plan, [], '2026-02-27'), [{ kind: 'no-repeats-left', runOutDay: '2026-03-02' }]);
  t.same(warningsOn(plan, [], '2026-03-02'), [], 'ran out: the warning has had its days');
  t.same(warningsOn(plan, [], '2026-03-17'), [{ kind: 'expiring', validUntil: '2026-03-31' }]);
  t.same(warningsOn(plan, [], '2026-03-16'), [], 'fifteen days before: not yet');
  t.same(warningsOn(plan, [], '2026-04-01'), [], 'expired is no longer expiring');
});

const arbPlan = fc
  .record({
    quantityPerFill: fc.integer({ min: 1, max: 200 }),
    dose: fc.constantFrom(0.5, 1, 2),
    timesPerDay: fc.integer({ min: 1, max: 4 }),
    repeats: fc.integer({ min: 0, max: 24 }),
    start: fc.integer({ min: 20_000, max: 21_000 }),
    length: fc.integer({ min: 0, max: 730 }),
    leadTimeDays: fc.integer({ min: 0, max: 14 }),
  })
  .filter((r) => r.quantityPerFill / (r.dose * r.timesPerDay) >= 1)
  .map((r) =>
    SchedulePlan.parse({
      quantityPerFill: r.quantityPerFill,
      dose: r.dose,
      timesPerDay: r.timesPerDay,
      repeats: r.repeats,
      validFrom: fromDayNumber(r.start),
      validUntil: fromDayNumber(r.start + r.length),
      leadTimeDays: r.leadTimeDays,
    }),
  );

t.test('properties of the fills', async (t) => {
  fc.assert(
    fc.property(arbPlan, (plan) => {
      const fills = planFills(plan);
      const supply = daysOfSupply(plan);
      if (fills.length < 1 || fills.length > plan.repeats + 1) return false;
      return fills.every((f, i) => {
        const due = toDayNumber(f.dueDay)!;
        const prev = fills[i - 1];
        return (
          f.fillNo === i + 1 &&
          f.dueDay >= plan.validFrom &&
          f.dueDay <= plan.validUntil &&
          toDayNumber(f.runOutDay)! - toDayNumber(f.supplyFrom)! === supply &&
          // ordered no later than the previous fill runs out, and never before the previous one
          (prev === undefined || (due <= toDayNumber(prev.runOutDay)! && f.dueDay >= prev.dueDay))
        );
      });
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(arbPlan, fc.integer({ min: -30, max: 800 }), (plan, offset) => {
      const today = fromDayNumber(toDayNumber(plan.validFrom)! + offset);
      const due = fillsDueBy(plan, today);
      // The due set is a prefix of all fills: a later fill is never due before an earlier one.
      return due.every((f, i) => f.fillNo === i + 1 && f.dueDay <= today);
    }),
    { numRuns: 500 },
  );
  t.pass('fast-check found no counterexample');
});
