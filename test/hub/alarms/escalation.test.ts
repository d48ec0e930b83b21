/**
 * hub/alarms/escalation.ts: the pure schedule. When an alarm is due, what happens then, and how a
 * schedule missed while the hub was down is caught up on its original times.
 */
import t from 'tap';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { appendTransition, compareAlarms, LIFECYCLE_KEPT } from '../../../hub/alarms/alarm.ts';
import { AlarmsConfig, DEFAULT_ALARMS_CONFIG, escalationStep, nextDueAt } from '../../../hub/alarms/escalation.ts';
import { AlarmEscalationPayload } from '../../../protocols/event.ts';
import { iso, panel, T0 } from './rig.ts';

const S = 1000;

function alarm(over: Partial<Alarm> = {}): Alarm {
  return {
    id: '0192f1a0-7c3e-7a12-8b34-0123456789ab',
    key: 'call:room-101',
    type: 'call',
    priority: 'high',
    state: 'active',
    ruleId: 'call-point',
    reason: 'call',
    raisedAt: iso(T0),
    repeats: 0,
    tier: 0,
    audience: 'room',
    announcedAt: iso(T0),
    escalations: 0,
    lifecycle: [{ state: 'active', at: iso(T0), by: { kind: 'rule', id: 'call-point' }, eventId: 'e1' }],
    ...over,
  };
}

t.test('the defaults: high 60 s, medium 180 s, low 600 s, technical 1800 s; back after 180 s; three tiers', async (t) => {
  t.same(DEFAULT_ALARMS_CONFIG, {
    escalateAfterS: { high: 60, medium: 180, low: 600, technical: 1800 },
    returnAfterS: 180,
    tiers: ['room', 'all-panels', 'on-call'],
  });
  for (const [priority, s] of [['high', 60], ['medium', 180], ['low', 600], ['technical', 1800]] as const) {
    t.equal(nextDueAt(alarm({ priority }), DEFAULT_ALARMS_CONFIG), T0 + s * S, `${priority} is due ${s} s after it was announced`);
  }
});

t.test('config: partial sections keep the other defaults; bad values are refused with their path', async (t) => {
  const c = AlarmsConfig.parse({ escalateAfterS: { high: 30 }, tiers: ['all-panels', 'on-call'] });
  t.same(c.escalateAfterS, { high: 30, medium: 180, low: 600, technical: 1800 });
  t.same(c.tiers, ['all-panels', 'on-call']);
  const paths = (v: unknown) => AlarmsConfig.safeParse(v).error?.issues.map((i) => i.path.join('.'));
  t.same(paths({ escalateAfterS: { high: 0 } }), ['escalateAfterS.high'], 'zero seconds would escalate at once, forever');
  t.same(paths({ returnAfterS: 1.5 }), ['returnAfterS'], 'whole seconds');
  t.same(paths({ tiers: [] }), ['tiers'], 'at least one tier');
  t.same(paths({ tiers: ['room', 'pager'] }), ['tiers.1'], 'only audiences the hub knows');
  t.same(paths({ escalateAfterS: { urgent: 10 } }), ['escalateAfterS'], 'no unknown priorities');
});

t.test('not before the due time; at exactly the due time one tier up', async (t) => {
  const a = alarm();
  t.equal(escalationStep(a, T0 + 60 * S - 1, DEFAULT_ALARMS_CONFIG), null, '1 ms before: nothing');
  t.same(escalationStep(a, T0 + 60 * S, DEFAULT_ALARMS_CONFIG), { kind: 'escalate', tier: 1, audience: 'all-panels', count: 1, dueAt: T0 + 60 * S });
  const second = alarm({ tier: 1, escalations: 1, announcedAt: iso(T0 + 60 * S) });
  t.same(escalationStep(second, T0 + 120 * S, DEFAULT_ALARMS_CONFIG), { kind: 'escalate', tier: 2, audience: 'on-call', count: 2, dueAt: T0 + 120 * S });
  const last = alarm({ tier: 2, escalations: 2, announcedAt: iso(T0 + 120 * S) });
  t.same(escalationStep(last, T0 + 180 * S, DEFAULT_ALARMS_CONFIG), { kind: 'escalate', tier: 2, audience: 'on-call', count: 3, dueAt: T0 + 180 * S }, 'the last tier repeats');
});

t.test('a schedule missed while the hub was down: one step, the tiers it would have reached, the original grid', async (t) => {
  // Down from T0 + 10 s to T0 + 150 s: the 60 s and 120 s escalations were missed.
  const step = escalationStep(alarm(), T0 + 150 * S, DEFAULT_ALARMS_CONFIG);
  t.same(step, { kind: 'escalate', tier: 2, audience: 'on-call', count: 1, dueAt: T0 + 120 * S });
  const after = alarm({ tier: 2, escalations: 1, announcedAt: iso(T0 + 120 * S) });
  t.equal(nextDueAt(after, DEFAULT_ALARMS_CONFIG), T0 + 180 * S, 'next on the original schedule, not 60 s after the restart');
  const far = escalationStep(alarm(), T0 + 3600 * S, DEFAULT_ALARMS_CONFIG);
  t.match(far, { tier: 2, dueAt: T0 + 3600 * S }, 'an hour later: at the last tier, due time on the grid');
});

t.test('acknowledged: due after returnAfterS from the acknowledgement, then it comes back', async (t) => {
  const acked = alarm({
    state: 'acknowledged',
    tier: 1,
    lifecycle: [
      { state: 'active', at: iso(T0), by: { kind: 'rule' }, eventId: 'e1' },
      { state: 'acknowledged', at: iso(T0 + 70 * S), by: panel, eventId: 'e2' },
    ],
  });
  t.equal(nextDueAt(acked, DEFAULT_ALARMS_CONFIG), T0 + 250 * S, 'acknowledged at 70 s: back at 250 s, whatever its announcement');
  t.equal(escalationStep(acked, T0 + 250 * S - 1, DEFAULT_ALARMS_CONFIG), null);
  t.same(escalationStep(acked, T0 + 250 * S, DEFAULT_ALARMS_CONFIG), { kind: 'return', dueAt: T0 + 250 * S });
  t.equal(nextDueAt(acked, AlarmsConfig.parse({ returnAfterS: 30 })), T0 + 100 * S, 'the configured time');
  const noAck = alarm({ state: 'acknowledged', announcedAt: iso(T0 + 5 * S) });
  t.equal(nextDueAt(noAck, DEFAULT_ALARMS_CONFIG), T0 + 185 * S, 'a record without its acknowledgement waits from its announcement');
  t.equal(nextDueAt(alarm({ state: 'resolved' }), DEFAULT_ALARMS_CONFIG), null, 'resolved: never');
});

t.test('the escalation event payload: tier and audience bounded, count from 1, due time ISO', async (t) => {
  const ok = { alarmId: '0192f1a0-7c3e-7a12-8b34-0123456789ab', tier: 1, audience: 'all-panels', count: 1, dueAt: iso(T0) };
  t.ok(AlarmEscalationPayload.safeParse(ok).success);
  for (const [what, change] of [
    ['count 0', { count: 0 }],
    ['tier 16', { tier: 16 }],
    ['tier -1', { tier: -1 }],
    ['unknown audience', { audience: 'pager' }],
    ['bad time', { dueAt: 'soon' }],
    ['extra field', { extra: 1 }],
  ] as const) {
    t.notOk(AlarmEscalationPayload.safeParse({ ...ok, ...change }).success, what);
  }
});

t.test('lifecycle: the raise and the latest transitions, never more than LIFECYCLE_KEPT', async (t) => {
  let lifecycle = alarm().lifecycle;
  for (let i = 0; i < 100; i++) lifecycle = appendTransition(lifecycle, { state: i % 2 ? 'active' : 'acknowledged', at: iso(T0 + i), by: panel, eventId: `x${i}` });
  t.equal(lifecycle.length, LIFECYCLE_KEPT);
  t.equal(lifecycle[0]!.eventId, 'e1', 'the raise is kept');
  t.same(lifecycle.slice(1).map((l) => l.eventId), Array.from({ length: LIFECYCLE_KEPT - 1 }, (_, i) => `x${100 - (LIFECYCLE_KEPT - 1) + i}`), 'then the latest, in order');
});

t.test('list order: high, medium, low, technical; then oldest; then id', async (t) => {
  const a = [
    alarm({ id: 'b', priority: 'technical', raisedAt: iso(T0) }),
    alarm({ id: 'c', priority: 'low', raisedAt: iso(T0 + 1) }),
    alarm({ id: 'd', priority: 'high', raisedAt: iso(T0 + 2) }),
    alarm({ id: 'f', priority: 'medium', raisedAt: iso(T0 + 1) }),
    alarm({ id: 'e', priority: 'high', raisedAt: iso(T0 + 2) }),
    alarm({ id: 'g', priority: 'high', raisedAt: iso(T0 + 1) }),
  ];
  t.same(a.sort(compareAlarms).map((x) => x.id), ['g', 'd', 'e', 'f', 'c', 'b']);
});
