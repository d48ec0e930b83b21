import t from 'tap';
import { callPointRule } from '../../../hub/rules/call-point.ts';
import type { Event } from '../../../protocols/event.ts';

const opts = callPointRule.options.parse({});
const ev = (event: string, extra: Partial<Event> = {}) =>
  ({
    id: '01890000-0000-7000-8000-000000000001',
    hubId: 'h',
    seq: 1,
    hubTime: '2026-01-01T00:00:00Z',
    kind: 'call-point',
    deviceId: 'cp-1',
    roomId: 'room-1',
    payload: { event, deviceSeq: 1, battery: 12, via: 'serial' },
    ...extra,
  }) as Event;

const table: Array<[string, unknown[]]> = [
  ['call', [{ op: 'raise', key: 'call:room-1', type: 'call', priority: 'medium' }]],
  ['pull-cord', [{ op: 'raise', key: 'pull-cord:room-1', type: 'pull-cord', priority: 'high' }]],
  ['cancel', [{ op: 'clear', key: 'call:room-1' }, { op: 'clear', key: 'pull-cord:room-1' }]],
  ['low-battery', [{ op: 'raise', key: 'low-battery:cp-1', type: 'low-battery', priority: 'low', reason: /12 %/ }]],
  ['heartbeat', []],
];

t.test('call-point rule decisions', async (t) => {
  for (const [input, expected] of table) {
    const { alarms } = callPointRule.evaluate({}, ev(input), 0, opts);
    t.match(alarms, expected, input);
    t.equal(alarms.length, expected.length, `${input}: command count`);
  }
});

t.test('priorities come from options', async (t) => {
  const { alarms } = callPointRule.evaluate({}, ev('call'), 0, callPointRule.options.parse({ callPriority: 'high' }));
  t.match(alarms, [{ priority: 'high' }]);
  t.throws(() => callPointRule.options.parse({ callPriority: 'urgent' }));
});

t.test('other kinds are ignored', async (t) => {
  const reading = { ...ev('call'), kind: 'reading', payload: { metric: 'spo2', loinc: '59408-5', value: 90, unit: '%' } } as Event;
  t.same(callPointRule.evaluate({}, reading, 0, opts).alarms, []);
});
