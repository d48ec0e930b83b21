/**
 * hub/pipeline.ts: an input whose rules failed is evaluated again on a backoff, so it
 * does not hold the forwarding bound (EventLog.forwardableSeq) until the next restart.
 */
import t from 'tap';
import { AlarmService } from '../../hub/alarms/alarm-service.ts';
import { CallDedup } from '../../hub/call-dedup.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { Pipeline } from '../../hub/pipeline.ts';
import { RuleEngine } from '../../hub/rules/engine.ts';
import { RULES } from '../../hub/rules/index.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from './support.ts';

async function rig(failuresLeft: number) {
  const store = createMemoryStore();
  await store.open();
  const clock = new FakeClock(Date.parse('2026-05-01T08:00:00Z'));
  const { logger, records } = createTestLogger('debug');
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  await log.start();
  const alarms = new AlarmService({ store, log, clock, logger, metrics });
  await alarms.start();
  const engine = new RuleEngine({ rules: RULES, ruleOptions: {}, alarms, store, clock, logger });
  const handle = engine.handle.bind(engine);
  engine.handle = async (event) => {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error('alarm write failed');
    }
    return handle(event);
  };
  const pipeline = new Pipeline({ log, engine, dedup: new CallDedup(60_000), clock, logger, metrics });
  return { pipeline, alarms, log, clock, metrics, records };
}

const callPoint = hubConfig().devices[0]!;
/** lets the re-evaluation's promise chain settle after a timer fired */
const settle = () => new Promise((resolve) => setImmediate(resolve));

t.test('a call whose rules failed raises its alarm on a retry, without the device sending it again', async (t) => {
  const { pipeline, alarms, log, clock, metrics, records } = await rig(2);
  await t.rejects(pipeline.ingest(callPoint, { kind: 'call-point', event: 'call', deviceSeq: 5, battery: null }, 'serial'), { message: 'alarm write failed' });
  t.equal(log.forwardableSeq, 0, 'the unevaluated call holds the forwarding bound');
  t.equal(alarms.list().length, 0);

  clock.advance(999);
  await settle();
  t.equal(log.forwardableSeq, 0, 'no retry before 1 s');
  clock.advance(1);
  await settle();
  t.equal(metrics.get('rule_retry_failures_total', {}), 1, 'the first retry failed too and was counted');
  t.equal(alarms.list().length, 0);

  clock.advance(1_999);
  await settle();
  t.equal(alarms.list().length, 0, 'the second retry waits 2 s');
  clock.advance(1);
  await settle();
  await settle();
  t.equal(alarms.list().length, 1, 'the call became an alarm');
  t.equal(log.forwardableSeq, log.seq, 'and no longer holds forwarding');
  t.ok(records.some((r) => r.msg === 'input evaluated on retry' && r.attempt === 2));
});

t.test('stop() cancels pending re-evaluations', async (t) => {
  const { pipeline, clock, alarms, log } = await rig(1);
  await t.rejects(pipeline.ingest(callPoint, { kind: 'call-point', event: 'call', deviceSeq: 6, battery: null }, 'serial'));
  pipeline.stop();
  clock.advance(120_000);
  await settle();
  t.equal(alarms.list().length, 0, 'left for the start-up replay');
  t.equal(log.forwardableSeq, 0);
});

t.test('after stop() a failing input schedules no retry; one input never has two retries pending', async (t) => {
  const { pipeline, clock } = await rig(5);
  await t.rejects(pipeline.ingest(callPoint, { kind: 'call-point', event: 'call', deviceSeq: 7, battery: null }, 'serial'));
  t.same(clock.pendingDelays, [1_000], 'one retry pending');
  const oximeter = { ...hubConfig().devices[1]!, id: 'oxi-1' };
  pipeline.stop();
  await t.rejects(pipeline.ingest(oximeter, { kind: 'reading', metric: 'spo2', value: 97 }, 'serial'));
  t.same(clock.pendingDelays, [], 'stopped: nothing scheduled, the earlier retry cancelled');
});

t.test('a reading whose rules failed stays an unevaluated input, like a call', async (t) => {
  const { pipeline, log } = await rig(1);
  const oximeter = { ...hubConfig().devices[1]!, id: 'oxi-1' };
  await t.rejects(pipeline.ingest(oximeter, { kind: 'reading', metric: 'spo2', value: 97 }, 'serial'));
  t.equal(log.seq, 1, 'stored');
  t.equal(log.forwardableSeq, 0, 'but not sent before its rules ran');
});
