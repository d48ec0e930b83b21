import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadCloudConfig } from '../../cloud/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'carehub-cloud-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function file(content: unknown): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const HASH = 'a'.repeat(64);

t.test('defaults with nothing set', async (t) => {
  const r = loadCloudConfig({ env: {} });
  t.ok(r.ok);
  if (!r.ok) return;
  t.match(r.config, { port: 8787, host: '127.0.0.1', dataDir: './data/cloud', logLevel: 'info', bootstrap: { orgs: [], hubs: [], apiKeys: [] } });
  t.equal(r.config.databaseUrl, undefined);
  t.ok(Object.isFrozen(r.config) && Object.isFrozen(r.config.bootstrap) && Object.isFrozen(r.config.bootstrap.orgs), 'frozen deeply');
});

t.test('file, then env, then flags', async (t) => {
  const f = file({ port: 1000, host: '0.0.0.0', dataDir: '/from/file', logLevel: 'debug' });
  const r = loadCloudConfig({
    env: { CLOUD_CONFIG: f, CLOUD_PORT: '2000', CLOUD_DATA_DIR: '/from/env', DATABASE_URL: 'postgres://u@h/db', CLOUD_LOG_LEVEL: '' },
    flags: { port: '3000' },
  });
  t.ok(r.ok);
  if (!r.ok) return;
  t.match(r.config, { port: 3000, host: '0.0.0.0', dataDir: '/from/env', logLevel: 'debug', databaseUrl: 'postgres://u@h/db' });
  const explicit = loadCloudConfig({ file: f, env: {}, flags: { data: '/from/flag', host: '::1' } });
  t.match(explicit.ok && explicit.config, { port: 1000, dataDir: '/from/flag', host: '::1' });
});

t.test('every bad path is reported at once', async (t) => {
  const f = file({
    port: 'eighty',
    colour: 'blue',
    logLevel: 'loud',
    bootstrap: {
      orgs: [{ id: 'home', name: 'Home', kind: 'castle' }],
      hubs: [{ id: 'hub-1', orgId: 'home', tokenSha256: 'abc' }, { id: 'hub-2', tokenSha256: HASH }],
      apiKeys: [{ id: 'k', orgId: 'nowhere', role: 'operator', keySha256: HASH, extra: true }],
    },
  });
  const r = loadCloudConfig({ file: f, env: { DATABASE_URL: 'mysql://x' } });
  t.notOk(r.ok);
  if (r.ok) return;
  const paths = r.errors.map((e) => e.path).sort();
  // Shape errors and the unknown org together, in one run.
  t.same(paths, [
    'DATABASE_URL',
    'bootstrap.apiKeys.0.extra',
    'bootstrap.apiKeys.0.orgId',
    'bootstrap.hubs.0.tokenSha256',
    'bootstrap.hubs.1.orgId',
    'bootstrap.orgs.0.kind',
    'colour',
    'logLevel',
    'port',
  ]);
  t.match(r.errors.find((e) => e.path === 'bootstrap.apiKeys.0.orgId'), { message: 'unknown org "nowhere"' });
  t.match(r.errors.find((e) => e.path === 'bootstrap.hubs.1.orgId'), { message: /expected string/ }, 'a missing orgId is not also "unknown"');
  t.notMatch(JSON.stringify(r.errors), /mysql:\/\/x/, 'the database URL (it may hold a password) is not echoed');
  for (const e of r.errors) t.ok(e.message.length > 0, `${e.path}: ${e.message}`);
});

t.test('bootstrap references must name a listed org', async (t) => {
  const r = loadCloudConfig({
    env: {},
    file: file({ bootstrap: { orgs: [{ id: 'home', name: 'Home', kind: 'hospital' }], hubs: [{ id: 'h', orgId: 'elsewhere', tokenSha256: HASH }] } }),
  });
  t.same(!r.ok && r.errors, [{ path: 'bootstrap.hubs.0.orgId', message: 'unknown org "elsewhere"' }]);
});

t.test('unreadable or non-object files, bad env port', async (t) => {
  const missing = loadCloudConfig({ file: join(dir, 'nope.json'), env: {} });
  t.match(!missing.ok && missing.errors, [{ path: '(file)' }]);
  const broken = loadCloudConfig({ file: file('{"port":'), env: {} });
  t.match(!broken.ok && broken.errors, [{ path: '(file)' }]);
  const list = loadCloudConfig({ file: file('[1]'), env: {} });
  t.match(!list.ok && list.errors, [{ path: '(file)' }]);
  const port = loadCloudConfig({ env: { CLOUD_PORT: '99999' } });
  t.match(!port.ok && port.errors, [{ path: 'CLOUD_PORT', message: /sets port/ }]);
});

t.test('a bad flag is named as the flag, a bad variable as the variable', async (t) => {
  const r = loadCloudConfig({ env: { CLOUD_PORT: 'eighty' }, flags: { port: 'abc', host: '' } });
  t.same(!r.ok && r.errors, [
    { path: 'CLOUD_PORT', message: 'expected a number, got "eighty"' },
    { path: '--port', message: 'expected a number, got "abc"' },
    { path: '--host', message: 'Too small: expected string to have >=1 characters (sets host)' },
  ]);
  const range = loadCloudConfig({ env: { CLOUD_PORT: '99999' }, flags: { port: '70000' } });
  t.match(!range.ok && range.errors, [{ path: '--port', message: /sets port/ }]);
  t.equal(!range.ok && range.errors.length, 1, 'the flag replaced the variable');
  const fromFile = loadCloudConfig({ env: {}, file: file({ port: 'x' }) });
  t.match(!fromFile.ok && fromFile.errors, [{ path: 'port' }], 'a bad file value keeps its config path');
});

t.test('duplicate ids in bootstrap lists', async (t) => {
  const org = { id: 'home', name: 'Home', kind: 'hospital' };
  const r = loadCloudConfig({
    env: {},
    file: file({ port: 'x', bootstrap: { orgs: [org, org], hubs: [{ id: 'h', orgId: 'home', tokenSha256: HASH }, { id: 'h', orgId: 'home', tokenSha256: HASH }] } }),
  });
  t.same(!r.ok && r.errors.map((e) => e.path).sort(), ['bootstrap.hubs.1.id', 'bootstrap.orgs.1.id', 'port']);
});

t.test('orgs that are not a list do not make every reference unknown', async (t) => {
  const r = loadCloudConfig({ env: {}, file: file({ bootstrap: { orgs: 'home', hubs: [{ id: 'h', orgId: 'home', tokenSha256: HASH }] } }) });
  t.same(!r.ok && r.errors.map((e) => e.path), ['bootstrap.orgs']);
});

t.test('the example config carries no hash of a dictionary word', async (t) => {
  const text = readFileSync(new URL('../../config/cloud.example.json', import.meta.url), 'utf8');
  const hashes = text.match(/[0-9a-f]{64}/g) ?? [];
  t.equal(hashes.length, 3, 'one hub token and two API keys');
  const words = ['secret', 'password', 'changeme', 'test', 'demo', 'admin', 'token', 'hub-token', 'the-hub-token', 's3cret', 'operator', 'clinician', 'api-key'];
  const guessable = new Set(words.map((w) => createHash('sha256').update(w).digest('hex')));
  for (const h of hashes) t.notOk(guessable.has(h), `${h} is not the hash of a common word`);
});

t.test('config/cloud.example.json is valid', async (t) => {
  const r = loadCloudConfig({ file: new URL('../../config/cloud.example.json', import.meta.url).pathname, env: {} });
  t.same(r.ok ? [] : r.errors, []);
});
