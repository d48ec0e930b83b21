import t from 'tap';
import { AlarmService } from '../../hub/alarms/alarm-service.ts';
import { CallDedup } from '../../hub/call-dedup.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { Pipeline } from '../../hub/pipeline.ts';
import { RuleEngine } from '../../hub/rules/engine.ts';
import { RULES } from '../../hub/rules/index.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import type { KvStore } from '../../hub/store/kv-store.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from './support.ts';

async function rig(failWrites: () => boolean) {
  const inner = createMemoryStore();
  const store: KvStore = {
    ...inner,
    batch: async (ops, o) => {
      if (failWrites()) throw new Error('I/O error');
      return inner.batch(ops, o);
    },
  };
  await store.open();
  const clock = new FakeClock(Date.parse('2026-05-01T08:00:00Z'));
  const { logger } = createTestLogger('silent');
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  await log.start();
  const alarms = new AlarmService({ store, log, clock, logger, metrics });
  await alarms.start();
  const engine = new RuleEngine({ rules: RULES, ruleOptions: {}, alarms, store, clock, logger });
  const pipeline = new Pipeline({ log, engine, dedup: new CallDedup(60_000), clock, logger, metrics });
  return { pipeline, alarms, metrics, clock, log };
}

const device = hubConfig().devices[0]!;
const press = (deviceSeq: number) => ({ kind: 'call-point' as const, event: 'call' as const, deviceSeq, battery: null });

t.test('a repeated seq is a duplicate inside the window, a new press after it', async (t) => {
  const { pipeline, metrics, clock, alarms } = await rig(() => false);
  t.ok(await pipeline.ingest(device, press(5), 'serial'));
  t.equal(await pipeline.ingest(device, press(5), 'serial'), null, 'repeat dropped');
  t.equal(metrics.get('inputs_duplicate_total', { via: 'serial' }), 1);
  clock.advance(60_001);
  t.ok(await pipeline.ingest(device, press(5), 'serial'), 'the 16-bit seq wrapped round: a new press');
  t.equal(alarms.list()[0]!.repeats, 1);
});

t.test('a press whose write failed is processed when the device sends it again', async (t) => {
  let failing = true;
  const { pipeline, alarms, log } = await rig(() => failing);
  await t.rejects(pipeline.ingest(device, press(9), 'serial'), /I\/O error/);
  failing = false;
  const retried = await pipeline.ingest(device, press(9), 'serial');
  t.ok(retried, 'the retry is not mistaken for a duplicate');
  t.equal(alarms.list().length, 1, 'and raises the alarm');
  t.equal(log.evaluatedSeq, log.seq);
});
