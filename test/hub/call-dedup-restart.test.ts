/**
 * A call point repeats a press it got no acknowledgement for. When the hub stored the press and died
 * before the PUBACK went out, the repeat reaches the next hub process: it must be dropped as a repeat,
 * not stored a second time (found by the crash loop, docs/crash-testing.md#findings).
 */
import t, { type Test } from 'tap';
import { createHub } from '../../hub/main.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from './support.ts';

const device = { id: 'cp-101', roomId: 'room-101', mqtt: { passwordSha256: '0'.repeat(64) } };

async function startHub(t: Test, dataDir: string, dedupWindowMs = 60_000) {
  const hub = createHub(hubConfig({ dataDir, receivers: [], devices: [device], dedupWindowMs }), { logger: createTestLogger('silent').logger });
  await hub.start();
  t.teardown(() => hub.stop());
  return hub;
}

const press = (seq: number) => ({ kind: 'call-point', event: 'call', deviceSeq: seq, battery: null }) as const;
/** The device as the pipeline gets it: parsed by the config schema. */
const deviceConfig = hubConfig({ devices: [device] }).devices[0]!;

t.test('a repeat of a call stored before a restart is dropped after it', async (t) => {
  const dataDir = t.testdir();
  const first = await startHub(t, dataDir);
  t.match(await first.pipeline.ingest(deviceConfig, press(7), 'mqtt'), { kind: 'call-point', payload: { deviceSeq: 7 } }, 'the press is stored');
  await first.stop();

  const second = await startHub(t, dataDir);
  t.equal(await second.pipeline.ingest(deviceConfig, press(7), 'mqtt'), null, 'its repeat after the restart is dropped');
  t.match(await second.pipeline.ingest(deviceConfig, press(8), 'mqtt'), { kind: 'call-point', payload: { deviceSeq: 8 } }, 'the next press is stored');
});

t.test('outside the window the same seq is a new press (the 16-bit seq wraps)', async (t) => {
  const dataDir = t.testdir();
  const first = await startHub(t, dataDir, 1);
  await first.pipeline.ingest(deviceConfig, press(7), 'mqtt');
  await first.stop();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = await startHub(t, dataDir, 1);
  t.match(await second.pipeline.ingest(deviceConfig, press(7), 'mqtt'), { kind: 'call-point' }, 'stored');
});
