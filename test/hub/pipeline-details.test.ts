/**
 * hub/pipeline.ts: the exact Event each input becomes, the counters and logs,
 * the crash replay and refusals. The duplicate window and failed-write retry are
 * in pipeline.test.ts.
 */
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

const T0 = Date.parse('2026-05-01T08:00:00Z');

async function rig(store: KvStore = createMemoryStore(), opts: { failRules?: () => boolean } = {}) {
  await store.open();
  const clock = new FakeClock(T0);
  const { logger, records } = createTestLogger('debug');
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  await log.start();
  const alarms = new AlarmService({ store, log, clock, logger, metrics });
  await alarms.start();
  const engine = new RuleEngine({ rules: RULES, ruleOptions: {}, alarms, store, clock, logger });
  if (opts.failRules) {
    const handle = engine.handle.bind(engine);
    engine.handle = async (event) => {
      if (opts.failRules!()) throw new Error('rule crashed');
      return handle(event);
    };
  }
  const dedup = new CallDedup(60_000);
  const pipeline = new Pipeline({ log, engine, dedup, clock, logger, metrics });
  return { pipeline, alarms, metrics, clock, log, records, store, dedup };
}

const config = hubConfig();
const serialPoint = config.devices[0]!; // cp-101 in room-101
const withResident = { ...serialPoint, residentId: 'res-7' };

t.test('a call-point input becomes exactly one stored, evaluated Event', async (t) => {
  const { pipeline, metrics, log, alarms } = await rig();
  const event = await pipeline.ingest(withResident, { kind: 'call-point', event: 'call', deviceSeq: 12, battery: 80, deviceTime: '2026-05-01T07:59:59Z' }, 'serial');
  t.match(event, {
    kind: 'call-point',
    hubId: 'hub-test',
    seq: 1,
    hubTime: '2026-05-01T08:00:00.000Z',
    deviceId: 'cp-101',
    roomId: 'room-101',
    residentId: 'res-7',
    deviceTime: '2026-05-01T07:59:59Z',
    payload: { event: 'call', deviceSeq: 12, battery: 80, via: 'serial' },
  });
  t.same(Object.keys(event!.payload).sort(), ['battery', 'deviceSeq', 'event', 'via'], 'nothing else in the payload');
  t.equal(metrics.get('inputs_total', { kind: 'call-point', via: 'serial' }), 1);
  t.equal(metrics.get('inputs_total', { kind: 'call-point', via: 'mqtt' }), 0);
  t.equal(log.seq, 2, 'the call and the alarm it raised');
  t.equal(log.evaluatedSeq, log.seq, 'the rules ran before callPoint resolved');
  t.equal(alarms.list().length, 1, 'and raised the call alarm');
});

t.test('a duplicate is counted by its transport and logged at debug', async (t) => {
  const { pipeline, metrics, records, log } = await rig();
  await pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 3, battery: null }, 'mqtt');
  const before = log.seq;
  t.equal(await pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 3, battery: null }, 'mqtt'), null);
  t.equal(metrics.get('inputs_duplicate_total', { via: 'mqtt' }), 1);
  t.equal(metrics.get('inputs_duplicate_total', { via: 'serial' }), 0);
  t.ok(records.some((r) => r.msg === 'duplicate call-point event dropped' && r.deviceId === 'cp-101' && r.seq === 3 && r.level === 20));
  t.equal(log.seq, before, 'nothing stored for the duplicate');
  t.ok(await pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 4, battery: null }, 'mqtt'), 'another seq is not a duplicate');
});

t.test('a press whose rules failed is processed when the device sends it again', async (t) => {
  let failing = true;
  const { pipeline, alarms, log } = await rig(undefined, { failRules: () => failing });
  await t.rejects(pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 9, battery: null }, 'serial'), { message: 'rule crashed' });
  t.equal(log.seq, 1, 'the press is stored');
  t.equal(log.evaluatedSeq, 0, 'as rule input the rules have not finished with, so start-up would replay it');
  await t.rejects(pipeline.ingest(serialPoint, { kind: 'reading', metric: 'spo2', value: 90 }, 'mqtt'), { message: 'rule crashed' });
  t.equal(log.evaluatedSeq, 0, 'a reading is rule input too');
  failing = false;
  t.ok(await pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 9, battery: null }, 'serial'), 'not a duplicate');
  t.equal(alarms.list().length, 1);
});

t.test('a reading carries the metric\'s LOINC code and UCUM unit', async (t) => {
  const { pipeline, metrics, log } = await rig();
  // Each row: metric, value, LOINC, unit.
  const rows = [
    ['spo2', 97, '59408-5', '%'],
    ['heart-rate', 72, '8867-4', '/min'],
    ['body-temperature', 37.2, '8310-5', 'Cel'],
  ] as const;
  for (const [metric, value, loinc, unit] of rows) {
    const e = await pipeline.ingest(withResident, { kind: 'reading', metric, value, deviceTime: '2026-05-01T07:00:00Z' }, 'mqtt');
    t.match(e, { kind: 'reading', deviceId: 'cp-101', roomId: 'room-101', residentId: 'res-7', deviceTime: '2026-05-01T07:00:00Z', payload: { metric, loinc, value, unit } }, metric);
    t.same(e?.payload, { metric, loinc, value, unit });
  }
  t.equal(metrics.get('inputs_total', { kind: 'reading', via: 'mqtt' }), 3);
  t.equal(log.evaluatedSeq, 3, 'each reading was evaluated');
});

t.test('replay after a crash: stored but unevaluated inputs run through the rules once', async (t) => {
  const store = createMemoryStore();
  const first = await rig(store);
  // Stored as rule input, but the hub "died" before the rules saw it.
  await first.log.append(
    { kind: 'call-point', deviceId: 'cp-101', roomId: 'room-101', payload: { event: 'call', deviceSeq: 41, battery: null, via: 'serial' } },
    [],
    { evaluate: true },
  );
  await first.log.append({ kind: 'reading', deviceId: 'oxi', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } }, [], { evaluate: true });
  const second = await rig(store);
  t.equal(second.alarms.list().length, 0, 'no alarm before the replay');
  t.equal(await second.pipeline.replayUnevaluated(), 2);
  t.equal(second.alarms.list().length, 1, 'the call raised its alarm');
  t.equal(second.log.evaluatedSeq, second.log.seq, 'everything is evaluated');
  t.ok(second.records.some((r) => r.msg === 'replayed inputs stored before a crash but not yet evaluated' && r.replayed === 2 && r.level === 40));
  t.equal(await second.pipeline.ingest(serialPoint, { kind: 'call-point', event: 'call', deviceSeq: 41, battery: null }, 'serial'), null, 'the device\'s retry of the replayed press is a duplicate');
  t.equal(await second.pipeline.replayUnevaluated(), 0, 'a second replay finds nothing');
  t.equal(second.records.filter((r) => r.msg.startsWith('replayed')).length, 1, 'and logs nothing');
});

t.test('replay of a call-point without a device id is decided but not remembered', async (t) => {
  const store = createMemoryStore();
  const first = await rig(store);
  await first.log.append({ kind: 'call-point', roomId: 'room-101', payload: { event: 'call', deviceSeq: 7, battery: null, via: 'serial' } }, [], { evaluate: true });
  const second = await rig(store);
  t.equal(await second.pipeline.replayUnevaluated(), 1);
  t.equal(second.dedup.isDuplicate('undefined', 7, T0), false, 'no key made of a missing id');
});

t.test('reject counts by transport and code and logs the detail', async (t) => {
  const { pipeline, metrics, records } = await rig();
  pipeline.reject('serial', 'bad-crc', { receiver: 'rx1', raw: 'a5 07' });
  pipeline.reject('serial', 'bad-crc', {});
  pipeline.reject('mqtt', 'bad-payload', {});
  t.equal(metrics.get('inputs_rejected_total', { via: 'serial', code: 'bad-crc' }), 2);
  t.equal(metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'bad-payload' }), 1);
  t.ok(records.some((r) => r.msg === 'input rejected' && r.via === 'serial' && r.code === 'bad-crc' && r.receiver === 'rx1' && r.raw === 'a5 07' && r.level === 20));
});

t.test('a staff observation is stored for its resident, counted, and evaluated', async (t) => {
  const { pipeline, metrics, log } = await rig();
  const event = await pipeline.observe('res-7', { acvpu: 'V', o2: true }, { kind: 'panel', id: 'nurse-1' });
  t.match(event, { kind: 'observation', residentId: 'res-7', payload: { acvpu: 'V', o2: true, by: { kind: 'panel', id: 'nurse-1' } } });
  t.notOk('deviceId' in event, 'no device made it');
  t.equal(metrics.get('inputs_total', { kind: 'observation', via: 'panel' }), 1);
  t.equal(log.evaluatedSeq, event.seq, 'the rules have seen it');
});

t.test('states and statuses become state and device-status events; status fields only when given', async (t) => {
  const { pipeline, metrics } = await rig();
  const radar = { ...withResident, id: 'radar-1' };
  const fall = await pipeline.ingest(radar, { kind: 'state', state: { kind: 'fall', fallen: true }, deviceTime: '2026-05-01T07:59:58Z' }, 'serial');
  t.match(fall, { kind: 'state', deviceId: 'radar-1', roomId: 'room-101', residentId: 'res-7', deviceTime: '2026-05-01T07:59:58Z' });
  t.same(fall?.payload, { kind: 'fall', fallen: true });
  const offline = await pipeline.ingest(radar, { kind: 'status', status: 'offline' }, 'mqtt');
  t.same(offline?.payload, { status: 'offline' }, 'no battery or detail keys when none were given');
  const low = await pipeline.ingest(radar, { kind: 'status', status: 'low-battery', battery: 9, detail: 'cell 2 weak' }, 'ble');
  t.match(low, { kind: 'device-status' });
  t.same(low?.payload, { status: 'low-battery', battery: 9, detail: 'cell 2 weak' });
  const unknownBattery = await pipeline.ingest(radar, { kind: 'status', status: 'online', battery: null }, 'zigbee2mqtt');
  t.same(unknownBattery?.payload, { status: 'online', battery: null }, 'a battery the device could not read is kept as null');
  t.equal(metrics.get('inputs_total', { kind: 'state', via: 'serial' }), 1);
  t.equal(metrics.get('inputs_total', { kind: 'status', via: 'mqtt' }), 1);
  t.equal(metrics.get('inputs_total', { kind: 'status', via: 'ble' }), 1);
});
