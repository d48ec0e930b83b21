/**
 * A wearable's raw accelerometer stream, decided at the edge (docs/fall-detection.md#wearables-at-the-edge):
 * SisFall recordings replayed by the firmware-sim wearable over real mqtt.js into a real hub (aedes,
 * LevelDB). A fall becomes a fall alarm for the wearer; jogging and jumping do not; no sample is stored.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { createHub } from '../../hub/main.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { createWearableSim } from '../../firmware-sim/wearable-sim.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';
import { requireForFile } from '../support/requirements.ts';
import { hubConfig } from '../hub/support.ts';

const SISFALL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/falls/sisfall');
const PASSWORD = 'wearable secret';

async function startHub(t: Test) {
  const { logger } = createTestLogger('silent');
  const devices = ['res-1', 'res-2', 'res-3'].map((resident, i) => ({
    id: `wear-${i + 1}`,
    model: 'carehub-wearable',
    roomId: i === 0 ? 'room-101' : 'room-102',
    residentId: resident,
    mqtt: { passwordSha256: sha256Hex(PASSWORD) },
  }));
  const hub = createHub(hubConfig({ dataDir: t.testdir(), receivers: [], devices }), { logger });
  const { brokerPort } = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, url: `mqtt://127.0.0.1:${brokerPort}` };
}

async function wearable(t: Test, url: string, deviceId: string) {
  const sim = createWearableSim({ url, deviceId, password: PASSWORD });
  await sim.connect();
  t.teardown(() => sim.close());
  return sim;
}

if (requireForFile('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository')) {
  t.test('a fall recording becomes a fall alarm for the wearer; jogging and jumping raise nothing; samples are not stored', async (t) => {
    const { hub, url } = await startHub(t);
    const seqBefore = hub.log.seq;

    const jogger = await wearable(t, url, 'wear-2');
    const jog = await jogger.replaySisFall(join(SISFALL, 'SA01/D04_SA01_R01.txt')); // jogging quickly, 100 s: trips impact thresholds
    const jumper = await wearable(t, url, 'wear-3');
    await jumper.replaySisFall(join(SISFALL, 'SA02/D19_SA02_R01.txt')); // gently jumping, trying to reach a high object
    t.same(hub.alarms.list(), [], 'no alarm from jogging or jumping');

    const faller = await wearable(t, url, 'wear-1');
    await faller.replaySisFall(join(SISFALL, 'SA03/F11_SA03_R01.txt')); // backward fall while trying to sit down
    // The hub decides before it acknowledges each batch; waiting anyway keeps the test honest if that changes.
    await eventually(() => hub.alarms.list().length > 0, 'the fall alarm');
    t.match(hub.alarms.list(), [
      { type: 'fall', key: 'fall:resident-res-1', priority: 'high', residentId: 'res-1', deviceId: 'wear-1', roomId: 'room-101', reason: /wearable wear-1 worn by res-1 \(impact \d+(\.\d+)? g\)/ },
    ]);
    t.equal(hub.alarms.list().length, 1, 'one fall, one alarm');

    // The decision is stored, not the stream: the fall state and the alarm's own records, nothing per sample.
    const stored = hub.log.seq - seqBefore;
    t.ok(stored <= 3, `events stored for ${jog.samples} + more samples: ${stored}`);
    t.ok(hub.metrics.get('wearable_samples_total', { via: 'mqtt' })! >= jog.samples, 'every sample reached the detector');
  });

  t.test('a batch delivered twice is read once, and a malformed batch is refused and counted', async (t) => {
    const { hub, url } = await startHub(t);
    const sim = await wearable(t, url, 'wear-1');
    const standing = Array.from({ length: 100 }, () => [0, -256, 0]).flat(); // 1 g along −y at 256 counts per g
    await sim.sendCounts(standing, 200);
    const { default: mqtt } = await import('mqtt');
    const raw = await mqtt.connectAsync(url, { clientId: 'wear-2', username: 'wear-2', password: PASSWORD, protocolVersion: 4, reconnectPeriod: 0 });
    t.teardown(() => raw.endAsync());
    const batch = JSON.stringify({ n: 0, hz: 200, range: 16, bits: 13, xyz: standing });
    await raw.publishAsync('care/v1/devices/wear-2/accel', batch, { qos: 1 });
    await raw.publishAsync('care/v1/devices/wear-2/accel', batch, { qos: 1 });
    await eventually(() => hub.metrics.get('wearable_samples_duplicate_total', { via: 'mqtt' }) !== undefined, 'the repeat counted');
    t.equal(hub.metrics.get('wearable_samples_duplicate_total', { via: 'mqtt' }), 100, 'the repeat was dropped');
    await raw.publishAsync('care/v1/devices/wear-2/accel', JSON.stringify({ n: 100, hz: 200, range: 16, bits: 13, xyz: [0, -256] }), { qos: 1 });
    await raw.publishAsync('care/v1/devices/wear-2/accel', JSON.stringify({ n: 100, hz: 200, range: 16, bits: 13, xyz: [0, 5000, 0] }), { qos: 1 });
    await eventually(() => hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'bad-payload' }) === 2, 'both refusals counted');
    t.equal(hub.metrics.get('inputs_rejected_total', { via: 'mqtt', code: 'bad-payload' }), 2, 'a ragged batch and an out-of-range count refused');
    t.equal(hub.metrics.get('wearable_samples_total', { via: 'mqtt' }), 200);
    t.same(hub.alarms.list(), []);
  });
}
