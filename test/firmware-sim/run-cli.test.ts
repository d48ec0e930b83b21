// The CLI (docs/firmware-sim.md#the-cli): help, exit status 2 with the file's line for a bad scenario
// and for bad arguments, and a short scenario played to the end.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirement } from '../support/requirements.ts';

const RUN = new URL('../../firmware-sim/run.ts', import.meta.url).pathname;
const sim = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', RUN, ...args], { encoding: 'utf8', timeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'carehub-sim-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('--help', async (t) => {
  const r = sim('--help');
  t.equal(r.status, 0);
  t.match(r.stdout, /Usage: npm run sim -- <scenario\.yaml>/);
  t.match(r.stdout, /--hub-broker URL/);
});

t.test('an invalid scenario exits 2 naming file, line and field', async (t) => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'devices:\n  - { id: radar, type: seeed-mr60fda2 }\ntimeline:\n  - { at: 1s, do: press, device: radar }\n');
  const r = sim(file);
  t.equal(r.status, 2);
  t.match(r.stderr, `${file}:4:19 timeline.0.do: press needs a device of type call-receiver, mqtt-call-point, zigbee2mqtt; "radar" is a seeed-mr60fda2`);
});

t.test('bad arguments exit 2 with the reason', async (t) => {
  t.match(sim('--load', 'many'), { status: 2, stderr: /--load needs a whole number/ });
  t.match(sim(), { status: 2, stderr: /name a scenario file/ });
  t.match(sim('--load', '2', '--duration', 'soon'), { status: 2, stderr: /not a duration/ });
  t.match(sim(join(dir, 'missing.yaml')), { status: 2, stderr: /cannot read/ });
  const file = join(dir, 'nopass.yaml');
  writeFileSync(file, 'devices:\n  - { id: btn, type: mqtt-call-point, passwordEnv: SIM_TEST_UNSET_PASSWORD }\ntimeline:\n  - { at: 0, do: press, device: btn }\n');
  t.match(sim(file), { status: 2, stderr: /device btn: environment variable SIM_TEST_UNSET_PASSWORD is not set/ });
});

t.test('--print-devices lists the load devices for the hub config', async (t) => {
  const r = sim('--load', '2', '--print-devices');
  t.equal(r.status, 0);
  t.same(r.stdout.trim().split('\n'), ['load-1-oximeter', 'load-1-button', 'load-2-oximeter', 'load-2-button']);
});

t.test('a short MQTT-only scenario plays to the end against a local broker', async (t) => {
  const file = join(dir, 'short.yaml');
  writeFileSync(
    file,
    ['devices:', '  - { id: btn, type: zigbee2mqtt, friendlyName: room 1/button }', 'timeline:', '  - { at: 0, do: availability, device: btn, online: true }', '  - { at: 200ms, do: press, device: btn }', ''].join('\n'),
  );
  const r = sim(file);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /#1 press btn/);
  t.match(r.stdout, /Done: 2 step\(s\) run, 0 failed\./);
});

t.test('--wearable and --sisfall go together', async (t) => {
  t.match(sim('--wearable', 'wear-1'), { status: 2, stderr: /--wearable ID and --sisfall FILE go together/ });
});

const trial = new URL('../../../shared/data/falls/sisfall/SA01/F05_SA01_R01.txt', import.meta.url).pathname;
t.test('--wearable replays a SisFall file as raw accelerometer batches', { skip: requirement('the SisFall sample (../shared/data/falls/sisfall)', existsSync(trial), 'the shared test data folder next to the repository') }, async (t) => {
  const r = sim('--wearable', 'wear-1', '--sisfall', trial, '--password', 'x');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /No --hub-broker: the wearable publishes to a local broker/);
  t.match(r.stdout, /Wearable wear-1: 3000 samples of .*F05_SA01_R01\.txt in 30 batches/);
});
