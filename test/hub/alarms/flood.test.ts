/**
 * Floods (docs/alarms.md#floods): 500 alarms within one second on a real LevelDB. The list is
 * highest priority first, then oldest; the engine holds one timer however many alarms are open;
 * an alarm's record stays bounded however long it lives.
 */
import t from 'tap';
import { LIFECYCLE_KEPT } from '../../../hub/alarms/alarm.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { ALARM_PRIORITIES } from '../../../protocols/event.ts';
import { alarmProcess, panel, raise, T0 } from './rig.ts';

const S = 1000;

t.test('500 alarms in one second: list order, one timer, and every due escalation on time', async (t) => {
  const store = createLevelStore(t.testdir());
  const p = await alarmProcess(store, T0);
  t.teardown(async () => {
    await p.alarms.stop();
    await store.close();
  });
  const started = performance.now();
  let maxTimers = 0;
  for (let i = 0; i < 500; i++) {
    // Priorities interleaved so that neither raise order nor priority alone gives the list order.
    await p.alarms.apply(raise(`flood:${i}`, ALARM_PRIORITIES[(i * 7) % 4]!, `room-${i}`), 'r');
    maxTimers = Math.max(maxTimers, p.clock.pending);
    p.clock.advance(2); // 500 × 2 ms: all within one second
  }
  const raiseMs = performance.now() - started;
  t.comment(`500 raises, each fsynced before it is announced: ${raiseMs.toFixed(0)} ms on this machine`);
  t.equal(maxTimers, 1, 'one timer however many alarms are open');

  const list = p.alarms.list();
  t.equal(list.length, 500);
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1]!, list[i]!];
    const pa = ALARM_PRIORITIES.indexOf(a.priority);
    const pb = ALARM_PRIORITIES.indexOf(b.priority);
    if (pa > pb || (pa === pb && a.raisedAt > b.raisedAt)) {
      t.fail(`list out of order at ${i}: ${a.priority} ${a.raisedAt} before ${b.priority} ${b.raisedAt}`);
      break;
    }
  }
  t.same([...new Set(list.map((a) => a.priority))], ['high', 'medium', 'low', 'technical'], 'priorities in blocks, most urgent first');
  t.equal(list[0]!.key, 'flood:0', 'the oldest high alarm first');
  t.equal(p.alarms.nextWakeAt, T0 + 60 * S, 'armed at the first alarm\'s due time');

  // The high alarms were raised at T0 + 0, 8, 16 ... ms (every 4th): each escalates at its own 60 s.
  await p.advance(60 * S - 1000 - 1);
  t.equal(list.filter((a) => p.alarms.get(a.id)!.tier > 0).length, 0, 'none before its time');
  await p.advance(1000);
  const highs = p.alarms.list().filter((a) => a.priority === 'high');
  t.equal(highs.length, 125);
  t.ok(highs.every((a) => a.tier === 1 && a.announcedAt === new Date(Date.parse(a.raisedAt) + 60 * S).toISOString()), 'every high alarm escalated at exactly its own 60 s');
  t.ok(p.alarms.list().every((a) => a.priority === 'high' || a.tier === 0), 'the others not yet');
  t.ok(p.clock.pending <= 1, 'still one timer');
});

t.test('an alarm acknowledged and coming back for hours keeps a bounded record', async (t) => {
  const store = createLevelStore(t.testdir());
  const p = await alarmProcess(store, T0);
  t.teardown(async () => {
    await p.alarms.stop();
    await store.close();
  });
  const a = (await p.alarms.apply(raise('k'), 'r'))!;
  for (let i = 0; i < 60; i++) {
    await p.alarms.acknowledge(a.id, panel);
    await p.advance(180 * S); // back again
  }
  const now = p.alarms.get(a.id)!;
  t.equal(now.state, 'active');
  t.equal(now.lifecycle.length, LIFECYCLE_KEPT, 'the record keeps a bounded lifecycle');
  t.equal(now.lifecycle[0]!.by.kind, 'rule', 'the raise is kept first');
  t.equal((await p.alarms.auditTrail(a.id)).length, 121, 'the audit trail keeps all: the raise, 60 acknowledgements, 60 returns');
});
