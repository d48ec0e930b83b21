/**
 * A power cut between storing a call and raising its alarm must not lose the call:
 * the next start replays inputs that were stored but not evaluated.
 */
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { createHub } from '../../hub/main.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createLevelStore } from '../../hub/store/level-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { systemClock } from '../../hub/clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from './support.ts';

const callDraft = (deviceSeq: number, event: 'call' | 'cancel' = 'call') =>
  ({
    kind: 'call-point',
    deviceId: 'cp-101',
    roomId: 'room-101',
    payload: { event, deviceSeq, battery: null, via: 'serial' },
  }) as const;

/** Writes input events as the pipeline would, then "loses power": the store is dropped, never stopped. */
async function crashAfterStoring(dataDir: string, drafts: ReturnType<typeof callDraft>[], evaluatedFirst = 0) {
  const store = createLevelStore(join(dataDir, 'leveldb'));
  await store.open();
  const log = new EventLog({ hubId: 'hub-test', store, clock: systemClock });
  await log.start();
  const events = [];
  for (const d of drafts) events.push(await log.append(d, [], { evaluate: true }));
  // The first `evaluatedFirst` inputs went through the rules before the cut (their alarms are not
  // simulated here, only the mark); the write after it carries the mark to disk.
  for (const e of events.slice(0, evaluatedFirst)) log.evaluated(e.seq);
  if (evaluatedFirst > 0) await log.append({ kind: 'audit', payload: { action: 'mark', actor: { kind: 'system' } } });
  await store.close(); // releases the LevelDB lock as process death would; EventLog.stop() never ran
  return events;
}

async function startHub(t: Test, dataDir: string) {
  const hub = createHub(hubConfig({ dataDir, receivers: [], devices: [{ id: 'cp-101', roomId: 'room-101', mqtt: { passwordSha256: '0'.repeat(64) } }] }), {
    logger: createTestLogger('silent').logger,
  });
  await hub.start();
  t.teardown(() => hub.stop());
  return hub;
}

t.test('a call stored but not evaluated raises its alarm at the next start, once', async (t) => {
  const dataDir = t.testdir();
  const [call] = await crashAfterStoring(dataDir, [callDraft(1)]);
  const hub = await startHub(t, dataDir);
  t.match(hub.alarms.list(), [{ type: 'call', roomId: 'room-101', state: 'active', lifecycle: [{ state: 'active' }] }]);
  t.equal(hub.log.evaluatedSeq, hub.log.seq, 'everything is evaluated after the replay');
  await hub.stop();

  const again = await startHub(t, dataDir);
  t.equal(again.alarms.list().length, 1, 'a second start replays nothing');
  t.equal(again.alarms.list()[0]!.repeats, 0);
  t.ok(call, 'the stored call existed');
});

t.test('replay keeps order: a call and its cancel both unevaluated end resolved', async (t) => {
  const dataDir = t.testdir();
  await crashAfterStoring(dataDir, [callDraft(1), callDraft(2, 'cancel')]);
  const hub = await startHub(t, dataDir);
  t.same(hub.alarms.list(), [], 'no open alarm');
  const kinds = (await hub.outbox.peek(100)).map((e) => (e.kind === 'alarm-update' ? `update:${e.payload.state}` : e.kind));
  t.same(kinds, ['call-point', 'call-point', 'alarm', 'update:resolved'], 'the relay will hear the raise and the cancel');
});

t.test('inputs already evaluated before the cut are not replayed', async (t) => {
  const dataDir = t.testdir();
  await crashAfterStoring(dataDir, [callDraft(1), callDraft(2, 'cancel'), callDraft(3)], 2);
  const hub = await startHub(t, dataDir);
  t.match(hub.alarms.list(), [{ type: 'call' }], 'only the third input (a call) is replayed');
  const alarms = (await hub.outbox.peek(100)).filter((e) => e.kind === 'alarm');
  t.equal(alarms.length, 1);
});

t.test('the evaluation mark does not pass inputs still waiting for their replay', async (t) => {
  const dataDir = t.testdir();
  await crashAfterStoring(dataDir, [callDraft(1), callDraft(2), callDraft(3)]);
  const store = createLevelStore(join(dataDir, 'leveldb'));
  await store.open();
  const log = new EventLog({ hubId: 'hub-test', store, clock: systemClock });
  await log.start();
  const pending = await log.unevaluated();
  t.same(pending.map((e) => e.seq), [1, 2, 3]);
  log.evaluated(pending[0]!.seq);
  t.equal(log.evaluatedSeq, 1, 'only the first replayed input counts as evaluated');
  await store.close();
});

t.test('before the replay, nothing past an unevaluated input may be sent or deleted', async (t) => {
  // The live mark is loaded at start: were it computed only when the replay asks for the inputs,
  // a forwarder started first could send them and the relay's acknowledgement delete them.
  const dataDir = t.testdir();
  let store = createLevelStore(join(dataDir, 'leveldb'));
  await store.open();
  let log = new EventLog({ hubId: 'hub-test', store, clock: systemClock });
  await log.start();
  const reading = await log.append({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } }, [], {
    evaluate: true,
  });
  log.evaluated(reading.seq);
  await log.append(callDraft(1), [], { evaluate: true }); // stored, then the power cut before the rules ran
  await log.append({ kind: 'alarm-update', payload: { alarmId: '0192a4f0-0000-7000-8000-000000000001', state: 'acknowledged', by: { kind: 'panel' } } });
  await store.close();

  store = createLevelStore(join(dataDir, 'leveldb'));
  await store.open();
  t.teardown(() => store.close());
  log = new EventLog({ hubId: 'hub-test', store, clock: systemClock });
  await log.start();
  const outbox = new Outbox(store, () => log.forwardableSeq);
  await outbox.start();
  t.equal(log.forwardableSeq, 1, 'the unevaluated call (seq 2) holds the bound from the first moment');
  t.same((await outbox.peek(10)).map((e) => e.seq), [1], 'only the reading before it may be sent');
  t.equal(await outbox.ackThrough(3), 1, 'an acknowledgement of everything deletes only the reading');
  const pending = await log.unevaluated();
  t.same(pending.map((e) => e.seq), [2], 'the call is replayed');
  log.evaluated(2);
  t.equal(log.forwardableSeq, 3);
  t.same((await outbox.peek(10)).map((e) => e.seq), [2, 3], 'after its replay the rest may go');
  t.same(await log.unevaluated(), [], 'nothing is replayed twice');
});
