import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      apiKeys: [{ id: 'k', orgId: 'home', role: 'operator', keySha256: HASH, extra: true }],
    },
  });
  const r = loadCloudConfig({ file: f, env: { DATABASE_URL: 'mysql://x' } });
  t.notOk(r.ok);
  if (r.ok) return;
  const paths = r.errors.map((e) => e.path).sort();
  t.same(paths, [
    'bootstrap.apiKeys.0.extra',
    'bootstrap.hubs.0.tokenSha256',
    'bootstrap.hubs.1.orgId',
    'bootstrap.orgs.0.kind',
    'colour',
    'databaseUrl',
    'logLevel',
    'port',
  ]);
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
  t.match(!port.ok && port.errors, [{ path: 'port' }]);
});

t.test('config/cloud.example.json is valid', async (t) => {
  const r = loadCloudConfig({ file: new URL('../../config/cloud.example.json', import.meta.url).pathname, env: {} });
  t.same(r.ok ? [] : r.errors, []);
});
