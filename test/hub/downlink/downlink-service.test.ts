/**
 * The hub's downlink against a real relay (Hono on PGlite, real fetch, real files): pulled by
 * long-poll, applied whole, kept on disk; a version that does not fit is refused whole and the last
 * good one stays; a hub restarting without the relay starts on the copy on disk (docs/downlink.md).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { CloudConfig } from '../../../cloud/config.ts';
import { createRelay } from '../../../cloud/main.ts';
import { systemClock } from '../../../hub/clock.ts';
import { DownlinkService, type DownlinkRelayOptions } from '../../../hub/downlink/downlink-service.ts';
import { createLiveBindings, type LiveBindings } from '../../../hub/downlink/live-bindings.ts';
import { configView, type DownlinkBase } from '../../../hub/downlink/resolve-downlink.ts';
import { createMetrics, type Metrics } from '../../../hub/metrics.ts';
import { sha256Hex } from '../../../hub/secrets.ts';
import { eventually, eventuallyAsync } from '../../fakes/wait.ts';
import { createTestLogger, type LogRecord } from '../../fakes/test-logger.ts';
import { openMigratedPglite } from '../../support/pglite-template.ts';
import { hubConfig } from '../support.ts';

const HUB_TOKEN = 'downlink-hub-token-0123456789abcdef';
const OPERATOR_KEY = 'downlink-operator-key-0123456789';

const relay = createRelay(
  CloudConfig.parse({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    bootstrap: {
      orgs: [{ id: 'rosewood', name: 'Rosewood', kind: 'nursing-home' }],
      hubs: [{ id: 'hub-test', orgId: 'rosewood', tokenSha256: sha256Hex(HUB_TOKEN) }],
      apiKeys: [{ id: 'op', orgId: 'rosewood', role: 'operator', keySha256: sha256Hex(OPERATOR_KEY) }],
    },
  }),
  { logger: pino({ level: 'silent' }), db: await openMigratedPglite() },
);
const { url: relayUrl } = await relay.start();
t.teardown(() => relay.stop());

const config = hubConfig();
const base: DownlinkBase = { hubId: config.hubId, rooms: config.rooms, devices: config.devices, ruleOptions: config.rules };

async function put(content: unknown): Promise<number> {
  const res = await fetch(`${relayUrl}/v1/hubs/hub-test/downlink`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_KEY}` },
    body: JSON.stringify(content),
  });
  if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { version: number }).version;
}

async function hubReport(): Promise<Record<string, unknown>> {
  const res = await fetch(`${relayUrl}/v1/hubs/hub-test/downlink`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
  return ((await res.json()) as { hubReport: Record<string, unknown> }).hubReport;
}

interface Rig {
  service: DownlinkService;
  bindings: LiveBindings;
  metrics: Metrics;
  records: LogRecord[];
  /** Rule options handed to the rule engine, in order. */
  ruleOptions: Array<Readonly<Record<string, unknown>>>;
  /** Status of every relay answer to a pull. */
  pulls: number[];
}

/** A fetch that may rewrite a 200 pull's body, as a relay newer than this hub might send. */
let tamper: ((body: Record<string, unknown>) => void) | null = null;

function rig(t: Test, dataDir: string, relayOptions: Partial<DownlinkRelayOptions> = {}, rigBase = base): Rig {
  const bindings = createLiveBindings(configView(rigBase));
  const { logger, records } = createTestLogger('info');
  const metrics = createMetrics();
  const ruleOptions: Rig['ruleOptions'] = [];
  const pulls: number[] = [];
  const service = new DownlinkService({
    base: rigBase,
    bindings,
    applyRuleOptions: async (options) => {
      ruleOptions.push(options);
    },
    dataDir,
    relay: { url: relayUrl, token: HUB_TOKEN, waitSeconds: 5, intervalMs: 20, retryMinMs: 20, retryMaxMs: 100, ...relayOptions },
    clock: systemClock,
    logger,
    metrics,
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).includes('/report')) return res;
      pulls.push(res.status);
      if (res.status !== 200 || !tamper) return res;
      const body = (await res.json()) as Record<string, unknown>;
      tamper(body);
      return new Response(JSON.stringify(body), { status: 200, headers: res.headers });
    },
  });
  t.teardown(() => service.stop());
  return { service, bindings, metrics, records, ruleOptions, pulls };
}

const dataDir = t.testdir();
const file = join(dataDir, 'downlink.json');
const v1Content = {
  rooms: [{ id: 'room-201', name: 'Room 201' }],
  residents: [{ id: 'res-7', name: 'Ada', spo2Scale: 2 }],
  devices: [{ id: 'btn-102', roomId: 'room-201', residentId: 'res-7' }],
};

t.test('pulls the hub\'s version, applies it whole, keeps it on disk and tells the relay', async (t) => {
  await put(v1Content);
  const r = rig(t, dataDir);
  await r.service.loadLastGood();
  t.equal(r.service.downlinkState().version, null, 'nothing on disk yet: the config alone');
  r.service.start();
  await eventually(() => r.service.downlinkState().version === 1, 'version 1 applied');
  t.match(r.bindings.devices.byId('btn-102'), { roomId: 'room-201', residentId: 'res-7' });
  t.equal(r.bindings.roomNames.get('room-201'), 'Room 201');
  t.equal(r.bindings.residentName('res-7'), 'Ada');
  t.match(r.ruleOptions.at(-1), { news2: { residents: { 'res-7': { spo2Scale: 2 } } } }, 'the rule engine got the resident options');
  t.match(r.service.downlinkState(), { source: 'relay', refused: null, lastError: null, diskError: null, pulling: true });
  t.match(JSON.parse(readFileSync(file, 'utf8')), { format: 1, document: { version: 1, content: v1Content } });
  t.equal(statSync(file).mode & 0o777, 0o600, 'owner only: it holds residents\' names');
  await eventuallyAsync(async () => (await hubReport()).appliedVersion === 1, 'relay told');
  t.match(r.metrics.render(), /carehub_hub_downlink_version 1\b/);

  // The next version arrives through the long-poll that is already waiting.
  await put({ ...v1Content, rooms: [{ id: 'room-201', name: 'Room 201 (east)' }] });
  await eventually(() => r.service.downlinkState().version === 2, 'version 2 applied');
  t.equal(r.bindings.roomNames.get('room-201'), 'Room 201 (east)');
  t.ok(r.pulls.includes(304) || r.pulls.filter((s) => s === 200).length === 2, 'pulls carried the ETag');
});

t.test('a version that does not fit is refused whole; the last good one stays, on disk too', async (t) => {
  const r = rig(t, dataDir);
  await r.service.loadLastGood();
  t.match(r.service.downlinkState(), { version: 2, source: 'disk' });
  r.service.start();
  const before = readFileSync(file, 'utf8');
  const refused = await put({ ...v1Content, devices: [{ id: 'btn-102', roomId: 'room-101', residentId: null }, { id: 'ghost', roomId: 'room-101', residentId: null }] });
  await eventually(() => r.service.downlinkState().refused?.version === refused, 'version refused');
  const state = r.service.downlinkState();
  t.equal(state.version, 2, 'still version 2');
  t.same(state.refused?.errors, [{ path: 'devices.1.id', message: 'unknown device "ghost": add it to the hub\'s config first' }]);
  t.match(r.bindings.devices.byId('btn-102'), { roomId: 'room-201', residentId: 'res-7' }, 'not even the valid half was applied');
  t.equal(readFileSync(file, 'utf8'), before, 'the copy on disk is still the last good one');
  t.match(r.metrics.render(), /carehub_hub_downlink_refused_total 1\b/);
  t.ok(r.records.some((rec) => rec.level === 50 && /downlink refused as a whole/.test(rec.msg)), 'logged as an error');
  await eventuallyAsync(async () => (await hubReport()).refusedVersion === refused, 'relay told');
  t.match(await hubReport(), { refusedErrors: [{ path: 'devices.1.id' }], appliedVersion: 2 });

  // The refused version is known: later pulls answer 304 instead of sending it again and again.
  const fetched = r.pulls.filter((s) => s === 200).length;
  await put({ ...v1Content, residents: [] }); // wakes the long-poll with a valid version
  await eventually(() => r.service.downlinkState().version === refused + 1, 'next valid version applied');
  t.equal(r.pulls.filter((s) => s === 200).length, fetched + 1, 'the refused version was fetched once');
  t.equal(r.service.downlinkState().refused, null, 'a version applied clears the refusal');
});

t.test('a document this hub cannot read at all is refused too', async (t) => {
  const r = rig(t, dataDir);
  await r.service.loadLastGood();
  const kept = r.service.downlinkState().version;
  r.service.start();
  tamper = (body) => Object.assign(body.content as object, { schedules: [] });
  t.teardown(() => {
    tamper = null;
  });
  const version = await put(v1Content);
  await eventually(() => r.service.downlinkState().refused?.version === version, 'refused');
  t.match(r.service.downlinkState(), { version: kept, refused: { errors: [{ path: 'content' }] } });
  tamper = null;
  const next = await put(v1Content);
  await eventually(() => r.service.downlinkState().version === next, 'the next one applies');
});

t.test('a hub restarting with the relay unreachable starts on the copy on disk', async (t) => {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { document: { version: number } };
  // Port 9 (discard) on loopback: nothing listens, the connection is refused.
  const r = rig(t, dataDir, { url: 'http://127.0.0.1:9' });
  await r.service.loadLastGood();
  t.match(r.service.downlinkState(), { version: saved.document.version, source: 'disk' });
  t.match(r.bindings.devices.byId('btn-102'), { roomId: 'room-201', residentId: 'res-7' }, 'bindings in force before any network');
  t.ok(r.ruleOptions.length > 0, 'rule options too');
  r.service.start();
  await eventually(() => r.service.downlinkState().lastError?.startsWith('network:') ?? false, 'pull failed');
  t.equal(r.service.downlinkState().version, saved.document.version, 'kept');
});

t.test('a copy on disk that no longer fits the config, or is unreadable, leaves the config in force', async (t) => {
  const withoutButton: DownlinkBase = { ...base, devices: base.devices.filter((d) => d.id !== 'btn-102') };
  const r = rig(t, dataDir, { url: 'http://127.0.0.1:9' }, withoutButton);
  await r.service.loadLastGood();
  t.match(r.service.downlinkState(), { version: null, source: 'config', refused: { errors: [{ path: 'devices.0.id' }] } });

  const broken = t.testdir({ 'downlink.json': '{"format":1,"etag":null,' });
  const b = rig(t, broken, { url: 'http://127.0.0.1:9' });
  await b.service.loadLastGood();
  t.match(b.service.downlinkState(), { version: null, source: 'config', diskError: /unreadable: not JSON/ });
  t.equal(b.bindings.devices.byId('btn-102')?.roomId, 'room-102');
  writeFileSync(join(broken, 'downlink.json'), JSON.stringify({ format: 1, etag: null, savedAt: 'x', document: { hubId: 'hub-test' } }));
  const c = rig(t, broken, { url: 'http://127.0.0.1:9' });
  await c.service.loadLastGood();
  t.match(c.service.downlinkState(), { version: null, diskError: /not a stored downlink/ });
});
