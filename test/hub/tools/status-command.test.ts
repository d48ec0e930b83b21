/**
 * `hub status` against a real hub (LevelDB, panel on a real port): what it prints, --json, and the
 * loopback-only route it reads (a request from another address of this machine is refused).
 */
import t, { type Test } from 'tap';
import { networkInterfaces } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHub } from '../../../hub/main.ts';
import { isLoopbackAddress } from '../../../hub/panel/status-route.ts';
import { bytes, duration, formatStatus, statusCommand } from '../../../hub/tools/status-command.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';
import { requirement } from '../../support/requirements.ts';
import { hubConfig } from '../support.ts';

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env }, out, err };
}

async function startHub(t: Test, host = '127.0.0.1') {
  const { logger } = createTestLogger('silent');
  const dataDir = t.testdir();
  const hub = createHub(hubConfig({ dataDir, receivers: [], devices: [], panel: { host, port: 0 }, outbox: { maxBytes: 2_000_000, criticalReserveBytes: 100_000 } }), { logger });
  const running = await hub.start();
  t.teardown(() => hub.stop());
  return { hub, ...running };
}

t.test('prints the outbox per lane, bytes against the budget, shedding and the link', async (t) => {
  const { hub, panelPort } = await startHub(t);
  await hub.log.append({ kind: 'reading', deviceId: 'ox1', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } });
  const run = io();
  t.equal(await statusCommand(['--url', `http://127.0.0.1:${panelPort}`], run.io), 0, run.err.join('\n'));
  const text = run.out.join('\n');
  t.match(text, /^hub hub-test at \d{4}-/);
  t.match(text, /\nlink {8}off \(no relay configured\)/);
  t.match(text, /\noutbox {6}1 event waiting, oldest \d+ s old/);
  t.match(text, /\n {2}critical  0 events, 0 B/);
  t.match(text, /\n {2}telemetry 1 event, oldest \d+ s old, \d+ B/);
  t.match(text, /\ndrain {7}0 events\/s; time to empty: unknown \(nothing is draining\)/);
  t.match(text, /\nbudget {6}\d+ B of 1\.9 MiB \(0 %\); telemetry shed above 1\.8 MiB, 97\.7 KiB kept for alarms/);
  t.match(text, /\nshed {8}nothing since start/);

  const json = io();
  t.equal(await statusCommand(['--url', `http://127.0.0.1:${panelPort}`, '--json'], json.io), 0);
  const parsed = JSON.parse(json.out.join('\n'));
  t.equal(parsed.outbox.lanes.telemetry.depth, 1);
  t.equal(parsed.outbox.bytes.budget, 2_000_000);
  t.ok(parsed.outbox.bytes.used > 0);
  t.equal(parsed.link.state, 'off');
});

t.test('bytes used survive a restart of the hub on the same data folder', async (t) => {
  const { logger } = createTestLogger('silent');
  const dataDir = t.testdir();
  const config = hubConfig({ dataDir, receivers: [], devices: [], outbox: { maxBytes: 2_000_000, criticalReserveBytes: 100_000 } });
  const first = createHub(config, { logger });
  const { panelPort } = await first.start();
  for (let i = 0; i < 20; i++) await first.log.append({ kind: 'reading', deviceId: 'ox1', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + i, unit: '%' } });
  const before = (await (await fetch(`http://127.0.0.1:${panelPort}/api/status`)).json()).outbox;
  await first.stop();
  const second = createHub(config, { logger });
  const { panelPort: port2 } = await second.start();
  t.teardown(() => second.stop());
  const after = (await (await fetch(`http://127.0.0.1:${port2}/api/status`)).json()).outbox;
  t.ok(before.bytes.used > 0);
  t.same(after.bytes, before.bytes, 'the same bytes against the same budget');
  t.equal(after.lanes.telemetry.depth, 20);
});

t.test('--config finds the panel port; HUB_PANEL_PORT overrides it', async (t) => {
  const { panelPort } = await startHub(t);
  const file = join(t.testdir(), 'hub.json');
  writeFileSync(file, JSON.stringify({ hubId: 'hub-test', panel: { port: panelPort } }));
  const run = io();
  t.equal(await statusCommand(['--config', file], run.io), 0, run.err.join('\n'));
  t.match(run.out[0], /^hub hub-test/);
  const env = io({ HUB_PANEL_PORT: String(panelPort) });
  t.equal(await statusCommand([], env.io), 0, 'no config: 127.0.0.1 and HUB_PANEL_PORT');
});

t.test('usage and unreachable hubs', async (t) => {
  const both = io();
  t.equal(await statusCommand(['--config', 'x', '--url', 'http://127.0.0.1:1'], both.io), 2);
  const bad = io();
  t.equal(await statusCommand(['--bogus'], bad.io), 2);
  const badConfig = io();
  const file = join(t.testdir(), 'bad.json');
  writeFileSync(file, JSON.stringify({ panel: { port: 'x' } }));
  t.equal(await statusCommand(['--config', file], badConfig.io), 2);
  t.match(badConfig.err.join('\n'), /hubId/);
  const down = io();
  t.equal(await statusCommand(['--url', 'http://127.0.0.1:9'], down.io), 1);
  t.match(down.err[0], /no answer from http:\/\/127\.0\.0\.1:9/);
  const other = io();
  const notAHub = (async () => new Response('<html>router</html>', { status: 200 })) as typeof fetch;
  t.equal(await statusCommand(['--url', 'http://127.0.0.1:8080'], other.io, notAHub), 1);
  t.match(other.err[0], /did not answer with a hub status/);
});

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

t.test(
  'the route answers loopback only: the same hub asked through a LAN address says 403',
  { skip: requirement('a non-loopback IPv4 interface', lanAddress !== undefined, 'a machine with a network interface besides lo') },
  async (t) => {
    const { hub, panelPort } = await startHub(t, '0.0.0.0');
    const lan = await fetch(`http://${lanAddress}:${panelPort}/api/status`);
    t.equal(lan.status, 403);
    t.match(await lan.json(), { error: 'not-loopback' });
    t.equal(hub.metrics.get('panel_refused_total', { reason: 'not-loopback' }), 1, 'counted');
    const run = io();
    t.equal(await statusCommand(['--url', `http://${lanAddress}:${panelPort}`], run.io), 1);
    t.match(run.err[0], /403: the status is served to this machine only/);
    const local = await fetch(`http://127.0.0.1:${panelPort}/api/status`);
    t.equal(local.status, 200, 'loopback is answered');
  },
);

t.test('isLoopbackAddress', async (t) => {
  const rows: Array<[string, boolean]> = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:127.0.0.1', true],
    ['192.168.1.5', false],
    ['::ffff:192.168.1.5', false],
    ['fe80::1', false],
    ['unknown', false],
    ['', false],
    ['127.0.0.1.evil', false],
  ];
  for (const [a, want] of rows) t.equal(isLoopbackAddress(a), want, a || '(empty)');
});

t.test('formatStatus: shedding and the link error in words', async (t) => {
  const lines = formatStatus({
    hubId: 'h',
    at: '2026-11-25T03:00:00.000Z',
    outbox: {
      depth: 5000,
      oldestAgeS: 7260,
      lanes: { critical: { depth: 0, oldestHubTime: null, oldestAgeS: null, bytes: 0 }, telemetry: { depth: 5000, oldestHubTime: 'x', oldestAgeS: 7260, bytes: 1_500_000 } },
      drainRatePerS: 250,
      etaS: 20,
      bytes: { used: 1_500_000, budget: 2_000_000, reserve: 100_000, ceiling: 1_900_000, usedPercent: 75 },
    },
    shedding: { thinned: { reading: 1200 }, dropped: { reading: 300, 'reading-summary': 20 }, summaries: 20, last: { action: 'dropped', at: '2026-11-25T02:59:00.000Z', events: 320, from: 'a', to: 'b' } },
    link: { state: 'busy', lastError: { reason: 'busy', message: 'relay busy (503)', status: 503, at: '2026-11-25T02:59:30.000Z' }, lastSuccessAt: null },
  });
  t.same(lines, [
    'hub h at 2026-11-25T03:00:00.000Z',
    'link        busy; last error 2026-11-25T02:59:30.000Z: busy (503): relay busy (503); last success never',
    'outbox      5,000 events waiting, oldest 2 h 1 min old',
    '  critical  0 events, 0 B',
    '  telemetry 5,000 events, oldest 2 h 1 min old, 1.4 MiB',
    'drain       250 events/s; time to empty: about 20 s',
    'budget      1.4 MiB of 1.9 MiB (75 %); telemetry shed above 1.8 MiB, 97.7 KiB kept for alarms',
    'shed        thinned 1,200 readings into 20 summaries, dropped 320 events (reading 300, reading-summary 20)',
    'last shed   dropped 320 events received a .. b, at 2026-11-25T02:59:00.000Z',
  ]);
  t.equal(duration(59), '59 s');
  t.equal(duration(3600 * 25), '1 d 1 h');
  t.equal(bytes(1023), '1023 B');
});
