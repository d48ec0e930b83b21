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
  for (const args of [[], ['frobnicate'], ['start', '--bogus'], ['hash-secret'], ['start', 'extra']]) {
    const stderr = t.capture(process.stderr, 'write');
    const code = await main(args);
    const text = stderr().map((c) => String(c.args[0])).join('');
    t.equal(code, 2, `cloud ${args.join(' ')}`);
    t.match(text, /Usage: cloud/);
  }
  t.equal(run(['frobnicate']).code, 2, 'and through bin/cloud.js');
});

t.test('hash-secret prints the sha256 hex', async (t) => {
  const r = run(['hash-secret', 's3cret']);
  t.equal(r.code, 0);
  t.equal(r.stdout.trim(), createHash('sha256').update('s3cret').digest('hex'));
});

t.test('bad config: every bad path on stderr, exit 2', async (t) => {
  const dir = t.testdir();
  const cfg = join(dir, 'cloud.json');
  writeFileSync(cfg, JSON.stringify({ colour: 'blue', bootstrap: { orgs: [{ id: 'x', name: 'X', kind: 'zoo' }] } }));
  const r = run(['start', '--config', cfg], { CLOUD_PORT: 'abc' });
  t.equal(r.code, 2);
  t.match(r.stderr, /^  port: /m);
  t.match(r.stderr, /^  colour: unknown key/m);
  t.match(r.stderr, /^  bootstrap\.orgs\.0\.kind: /m);
});

t.test('migrate, then start serves until SIGTERM and exits 0', async (t) => {
  const data = t.testdir();
  const env = { ...ENV, CLOUD_LOG_LEVEL: 'silent' };
  const migrated = spawnSync(process.execPath, [BIN, 'migrate', '--data', data], { cwd: CWD, env, encoding: 'utf8' });
  t.equal(migrated.status, 0, migrated.stderr);
  t.match(migrated.stdout, /applied: 001_init\.sql/);

  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--data', data], { cwd: CWD, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
