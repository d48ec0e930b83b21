/**
 * `hub provision` against a real relay (Hono over HTTP on PGlite, or PostgreSQL when DATABASE_URL
 * is set) and real hubs on LevelDB (docs/provisioning.md): a claim code becomes a 0600 credential
 * the hub forwards with; a revoked hub stops forwarding and keeps its events; a reinstalled hub
 * goes on past its earlier life's seqs; a rotation loses nothing.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { main, type CliIo } from '../../hub/cli.ts';
import { HubConfig } from '../../hub/config.ts';
import { credentialPath, resolveRelayCredential } from '../../hub/credential-store.ts';
import { createHub, type Hub } from '../../hub/main.ts';
import { provisionCommand } from '../../hub/provision-command.ts';
import { eventually } from '../fakes/wait.ts';
import { staffCookie, TEST_STAFF } from '../support/panel-auth.ts';
import { addOrg, openTestDatabase } from '../cloud/hubs-support.ts';

const db = await openTestDatabase(t);
const org = await addOrg(db, 'prov');
const app = createApp({ db, logger: pino({ level: 'silent' }) });
/** ingest requests the relay answered, by status */
const ingests: number[] = [];
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve(
    {
      fetch: async (req: Request) => {
        const res = await app.fetch(req);
        if (new URL(req.url).pathname === '/v1/ingest') ingests.push(res.status);
        return res;
      },
      port: 0,
      hostname: '127.0.0.1',
    },
    () => resolve(s),
  );
});
t.teardown(
  () =>
    new Promise<void>((r) => {
      server.close(() => r());
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }),
);
const relayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function operator(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(path, relayUrl), {
    method,
    headers: { authorization: `Bearer ${org.operatorKey}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return res.json();
}

/** A new empty data folder, removed at the end (newDataDir(t) is one folder per test). */
function newDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-provision-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function io(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  return { cli, out, err };
}

/** A hub on LevelDB in `dataDir`, forwarding with whatever `hub start` would use. */
async function startHub(t: Test, hubId: string, dataDir: string): Promise<Hub> {
  const config = HubConfig.parse({
    hubId,
    dataDir,
    logLevel: 'silent',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    relay: { retryMinMs: 20, retryMaxMs: 100, idleMs: 50 },
    staff: [TEST_STAFF],
  });
  const relay = resolveRelayCredential(config);
  t.ok(relay.url !== undefined && relay.source === 'credential-file', 'the stored credential is used');
  const hub = createHub(relay.url === undefined ? config : { ...config, relay: { ...config.relay, url: relay.url, token: relay.token } }, {
    logger: pino({ level: 'silent' }),
  });
  panelUrl = (await hub.start()).panelUrl;
  t.teardown(() => hub.stop());
  return hub;
}

/** The panel of the hub started last. */
let panelUrl = '';
/** What the panel tells signed-in staff about the relay link. */
async function panelRelayState(): Promise<string> {
  const res = await fetch(new URL('api/relay', panelUrl), { headers: { cookie: await staffCookie(panelUrl) } });
  return ((await res.json()) as { state: string }).state;
}

const reading = (v: number) => ({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: v, unit: '%' } }) as const;
const storedSeqs = async (hubId: string) =>
  (await db.query<{ seq: string | number }>('SELECT seq FROM events WHERE hub_id = $1 ORDER BY seq', [hubId])).rows.map((r) => Number(r.seq));
const waiting = (hub: Hub) => Object.values(hub.outbox.stats().lanes).reduce((n, lane) => n + lane.depth, 0);

t.test('provision, revocation, reinstall and rotation, on one hub', async (t) => {
  const hubId = 'hub-prov';
  const created = await operator('POST', '/v1/hubs', { id: hubId });
  const first = newDataDir(t);

  // 1. The installer types the code in lower case with spaces.
  const typed = created.claimCode.toLowerCase().replace(/-/g, ' ');
  const run = io({ HUB_ID: hubId });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', typed, '--data', first], run.cli), 0, run.err.join('\n'));
  t.match(run.out.join('\n'), /provisioned hub hub-prov .*\(epoch 1\)\nthe event log starts at seq 1\ncredential stored in/);
  const path = credentialPath(first);
  t.equal(statSync(path).mode & 0o777, 0o600, 'the credential file is the owner\'s alone');
  t.match(JSON.parse(readFileSync(path, 'utf8')), { hubId, relayUrl, epoch: 1, firstSeq: 1, token: /^[A-Za-z0-9_-]{43}$/ });
  t.same(readdirSync(first).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');

  const again = io({ HUB_ID: hubId });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', created.claimCode, '--data', first], again.cli), 2);
  t.match(again.err[0], /already has a credential .*--force replaces it/);
  const used = io({ HUB_ID: hubId });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', created.claimCode, '--data', first, '--force'], used.cli), 1);
  t.match(used.err[0], /the relay refused \(401\): This claim code was already used/);
  const withToken = io({ HUB_ID: hubId, HUB_RELAY_TOKEN: 'a-configured-token-0123456789' });
  const other = await operator('POST', '/v1/hubs', { id: 'hub-prov-token' });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', other.claimCode, '--data', newDataDir(t)], { ...withToken.cli, env: { ...withToken.cli.env, HUB_ID: 'hub-prov-token' } }), 0);
  t.match(withToken.err, [/the config also sets a token .* which hub start prefers; remove it/], 'a configured token that would shadow the credential is pointed out');
  const typo = io({ HUB_ID: hubId });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', 'ABCD-EFGH', '--data', first, '--force'], typo.cli), 2);
  t.match(typo.err[0], /not a claim code/);

  // 2. The hub starts and forwards with the stored credential.
  let hub = await startHub(t, hubId, first);
  for (let v = 1; v <= 3; v++) await hub.log.append(reading(90 + v));
  await eventually(() => waiting(hub) === 0, 'first life forwarded');
  t.same(await storedSeqs(hubId), [1, 2, 3]);
  t.equal(await panelRelayState(), 'up');
  t.equal((await fetch(new URL('api/relay', panelUrl))).status, 401, 'the panel tells only staff and paired displays');

  // 3. Revoked: forwarding stops, events stay on the hub.
  await operator('POST', `/v1/hubs/${hubId}/revoke`);
  await hub.log.append(reading(94));
  await eventually(() => hub.metrics.get('forward_failures_total', { reason: 'revoked' }) === 1, 'revoked seen');
  const asked = ingests.length;
  for (let v = 5; v <= 6; v++) await hub.log.append(reading(90 + v));
  await new Promise((resolve) => setTimeout(resolve, 400)); // several idle and retry periods
  t.equal(ingests.length, asked, 'no batch is sent after the 401');
  t.equal(waiting(hub), 3, 'seqs 4..6 stay buffered');
  t.equal(await panelRelayState(), 'revoked', 'the panel says so');
  await hub.stop();

  // 4. Reinstalled into an empty data folder: the new life starts past everything stored.
  const claim2 = await operator('POST', `/v1/hubs/${hubId}/claims`, {});
  const second = newDataDir(t);
  const re = io({ HUB_ID: hubId });
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', claim2.claimCode, '--data', second], re.cli), 0, re.err.join('\n'));
  t.match(re.out.join('\n'), /\(epoch 2\)\nthe event log starts at seq 4/);
  hub = await startHub(t, hubId, second);
  t.equal(hub.log.seq, 3, 'the empty log starts after the floor');
  for (let v = 1; v <= 2; v++) await hub.log.append(reading(80 + v));
  await eventually(() => waiting(hub) === 0, 'second life forwarded');
  t.same(await storedSeqs(hubId), [1, 2, 3, 4, 5], 'no 409: seqs 4 and 5 are the new life\'s');
  t.notOk(ingests.includes(409));

  // 5. Rotation with an overlap: the hub goes on with its old credential until the new one is installed.
  const rotated = await operator('POST', `/v1/hubs/${hubId}/rotate`, { overlapSeconds: 3600 });
  await hub.log.append(reading(86));
  await eventually(() => waiting(hub) === 0, 'forwarded inside the overlap');
  // An overlap missed entirely (a second rotation ending the first at once): the hub buffers.
  const rotatedAgain = await operator('POST', `/v1/hubs/${hubId}/rotate`, { overlapSeconds: 0 });
  await hub.log.append(reading(87));
  await eventually(() => hub.metrics.get('forward_failures_total', { reason: 'revoked' }) === 1, 'old credential refused');
  await hub.log.append(reading(88));
  await hub.stop();
  t.not(rotated.token, rotatedAgain.token);

  const install = io({ HUB_ID: hubId });
  t.equal(await provisionCommand(['--relay', relayUrl, '--token-stdin', '--data', second], install.cli, { readStdin: async () => `${rotatedAgain.token}\n` }), 2);
  t.match(install.err[0], /--force replaces it/);
  t.equal(
    await provisionCommand(['--relay', relayUrl, '--token-stdin', '--data', second, '--force'], install.cli, { readStdin: async () => `${rotatedAgain.token}\n` }),
    0,
    install.err.join('\n'),
  );
  t.equal(JSON.parse(readFileSync(credentialPath(second), 'utf8')).token, rotatedAgain.token);
  hub = await startHub(t, hubId, second);
  await eventually(() => waiting(hub) === 0, 'buffered events forwarded with the new credential');
  t.same(await storedSeqs(hubId), [1, 2, 3, 4, 5, 6, 7, 8], 'every event of the new life is stored, once, in seq order');

  const record = await operator('GET', `/v1/hubs/${hubId}`);
  t.same(record.epochs.map((e: { epoch: number; firstSeq: number }) => [e.epoch, e.firstSeq]), [[1, 1], [2, 4]]);
});

t.test('a rotated token for another hub, or into an empty folder of a hub with history, is refused', async (t) => {
  await operator('POST', '/v1/hubs', { id: 'hub-other' });
  const code = (await operator('POST', '/v1/hubs/hub-other/claims', {})).claimCode;
  const dir = newDataDir(t);
  t.equal(await main(['provision', '--relay', relayUrl, '--claim', code, '--data', dir], io({ HUB_ID: 'hub-other' }).cli), 0);
  const token = JSON.parse(readFileSync(credentialPath(dir), 'utf8')).token;
  const wrong = io({ HUB_ID: 'hub-prov' });
  t.equal(await provisionCommand(['--relay', relayUrl, '--token-stdin', '--data', newDataDir(t)], wrong.cli, { readStdin: async () => token }), 1);
  t.match(wrong.err[0], /hub "hub-other"'s credential, but this hub is "hub-prov"/);

  const rotated = await operator('POST', '/v1/hubs/hub-prov/rotate', { overlapSeconds: 60 });
  const empty = io({ HUB_ID: 'hub-prov' });
  t.equal(await provisionCommand(['--relay', relayUrl, '--token-stdin', '--data', newDataDir(t)], empty.cli, { readStdin: async () => rotated.token }), 1);
  t.match(empty.err[0], /this data folder is empty, but the relay holds .* up to seq 8: a new data folder needs a claim code/);
});
