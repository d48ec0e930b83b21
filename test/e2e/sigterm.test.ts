/**
 * The exit status on SIGTERM, as a service manager sees it: `hub start` and `cloud start`
 * run as their own processes through their CLIs, are sent SIGTERM while serving (the hub with a
 * device connected), and must stop on their own (no SIGKILL), exit 0 and log that they stopped.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService } from '../../firmware-sim/processes.ts';
import { deviceTopic } from '../../protocols/mqtt-topics.ts';
import { startHubWithButton } from '../support/hub-process.ts';

/** Longer than a clean stop needs; past it the helper sends SIGKILL and the exit code is null. */
const GRACE_MS = 8_000;

t.test('hub start: SIGTERM with a device connected exits 0 and logs "hub stopped"', async (t) => {
  const dir = t.testdir();
  const { hub, device } = await startHubWithButton(t, dir, { hubId: 'hub-sigterm', logLevel: 'info', stopGraceMs: 0 });
  await device.publishAsync(deviceTopic('btn-1', 'call'), JSON.stringify({ event: 'call', seq: 1 }), { qos: 1 });
  const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));

  const started = Date.now();
  const code = await hub.stop(GRACE_MS);
  t.equal(code, 0, 'exit status 0');
  t.equal(hub.child.signalCode, null, `stopped on its own in ${Date.now() - started} ms, not killed`);
  t.match(await hub.waitFor(/("msg":"hub stopped")/, 1_000), /hub stopped/, 'logged "hub stopped"');
  t.match(await hub.waitFor(/("signal":"SIGTERM")/, 1_000), /SIGTERM/, 'logged which signal it got');
  const closedInTime = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000))]);
  t.ok(closedInTime, 'the device connection was closed');
});

t.test('cloud start: SIGTERM exits 0 and logs "relay stopped"', async (t) => {
  const dir = t.testdir();
  const config = join(dir, 'cloud.json');
  writeFileSync(config, JSON.stringify({ dataDir: join(dir, 'cloud'), port: 0, logLevel: 'info' }), { mode: 0o600 });
  // The embedded store, whatever the developer's shell says.
  const relay = startService('cloud', ['start', '--config', config], join(dir, 'cloud.log'), { DATABASE_URL: '' });
  t.teardown(() => relay.stop(0));
  const url = await relay.waitFor(/listening on (http:\/\/\S+)$/, 60_000);
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'serving before the signal');

  const started = Date.now();
  const code = await relay.stop(GRACE_MS);
  t.equal(code, 0, 'exit status 0');
  t.equal(relay.child.signalCode, null, `stopped on its own in ${Date.now() - started} ms, not killed`);
  t.match(await relay.waitFor(/("msg":"relay stopped")/, 1_000), /relay stopped/, 'logged "relay stopped"');
});
