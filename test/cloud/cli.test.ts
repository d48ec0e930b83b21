import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const BIN = new URL('../../bin/cloud.js', import.meta.url).pathname;
const CWD = new URL('../../', import.meta.url).pathname;
// A clean environment: no CLOUD_* or DATABASE_URL from the developer's shell.
const ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: CWD, env: { ...ENV, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('--help exits 0 with usage', async (t) => {
  const r = run(['--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /Usage: cloud <command>/);
  t.match(r.stdout, /hash-secret/);
});

t.test('usage errors exit 2', async (t) => {
  // In-process through main(): one spawn per case would cost a second each for nothing.
  const { main } = await import('../../cloud/cli.ts');
  for (const args of [[], ['frobnicate'], ['start', '--bogus'], ['hash-secret', 's3cret'], ['start', 'extra'], ['check-config', 'extra']]) {
    const stderr = t.capture(process.stderr, 'write');
    const code = await main(args);
    const text = stderr().map((c) => String(c.args[0])).join('');
    t.equal(code, 2, `cloud ${args.join(' ')}`);
    t.match(text, /Usage: cloud/);
  }
  t.equal(run(['frobnicate']).code, 2, 'and through bin/cloud.js');
});

t.test('hash-secret makes a random token and prints it with its sha256 hex', async (t) => {
  const r = run(['hash-secret']);
  t.equal(r.code, 0);
  const m = /^token: ([A-Za-z0-9_-]{43})\nsha256: ([0-9a-f]{64})\n$/.exec(r.stdout);
  t.ok(m, r.stdout);
  t.equal(m?.[2], createHash('sha256').update(m?.[1] ?? '').digest('hex'));
  const refused = run(['hash-secret', 's3cret']);
  t.equal(refused.code, 2);
  t.equal(refused.stdout, '', 'a chosen word is not hashed');
  t.match(refused.stderr, /takes no argument/);
});

t.test('bad config: every bad path on stderr, exit 2', async (t) => {
  const dir = t.testdir();
  const cfg = join(dir, 'cloud.json');
  writeFileSync(cfg, JSON.stringify({ colour: 'blue', bootstrap: { orgs: [{ id: 'x', name: 'X', kind: 'zoo' }] } }));
  const r = run(['start', '--config', cfg], { CLOUD_PORT: 'abc' });
  t.equal(r.code, 2);
  t.match(r.stderr, /^  CLOUD_PORT: expected a number, got "abc"$/m);
  t.match(r.stderr, /^  colour: unknown key/m);
  t.match(r.stderr, /^  bootstrap\.orgs\.0\.kind: /m);
});

t.test('migrate, then start serves until SIGTERM and exits 0', async (t) => {
  const data = t.testdir();
  const env = { ...ENV, CLOUD_LOG_LEVEL: 'silent' };
  const migrated = spawnSync(process.execPath, [BIN, 'migrate', '--data', data], { cwd: CWD, env, encoding: 'utf8' });
  t.equal(migrated.status, 0, migrated.stderr);
  t.match(migrated.stdout, /applied: 001_init\.sql/);

  // -c as with `hub start`: the data folder comes from the file.
  const cfg = join(t.testdir(), 'cloud.json');
  writeFileSync(cfg, JSON.stringify({ dataDir: data }));
  const child = spawn(process.execPath, [BIN, 'start', '-c', cfg, '--port', '0'], { cwd: CWD, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  t.match(await health.json(), { status: 'ok', store: 'pglite' });
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'graceful shutdown returns 0');
});

t.test('check-config: "config ok" with a summary and the settings, secrets masked', async (t) => {
  const { main } = await import('../../cloud/cli.ts');
  const cfg = join(t.testdir(), 'cloud.json');
  writeFileSync(cfg, JSON.stringify({ port: 9999, bootstrap: { orgs: [{ id: 'o', name: 'O', kind: 'hospital' }] } }));
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s), env: { DATABASE_URL: 'postgres://relay:pgsecret@db.example:5432/carehub' } };
  t.equal(await main(['check-config', '-c', cfg], io), 0);
  t.same(err, ['cloud: config ok (127.0.0.1:9999, postgresql postgres://db.example:5432/carehub, 1 org, 0 hubs, 0 API keys)\n']);
  t.match(JSON.parse(out.join('')), { port: 9999, databaseUrl: 'postgres://db.example:5432/carehub', bootstrap: { orgs: [{ id: 'o' }] } });
  t.notMatch(out.join('') + err.join(''), /pgsecret/);
});

t.test('check-config: every problem at once, exit 2, nothing on stdout', async (t) => {
  const cfg = join(t.testdir(), 'cloud.json');
  writeFileSync(cfg, JSON.stringify({ colour: 'red', bootstrap: { orgs: [{ id: 'o', name: 'O', kind: 'zoo' }], hubs: [{ id: 'h', orgId: 'elsewhere', tokenSha256: 'a'.repeat(64) }] } }));
  const r = run(['check-config', '--config', cfg, '--port', 'abc']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /invalid configuration \(4 problems\)/);
  t.match(r.stderr, /^  --port: expected a number, got "abc"$/m);
  t.match(r.stderr, /^  colour: unknown key$/m);
  t.match(r.stderr, /^  bootstrap\.orgs\.0\.kind: /m);
  t.match(r.stderr, /^  bootstrap\.hubs\.0\.orgId: unknown org "elsewhere"$/m);
});
