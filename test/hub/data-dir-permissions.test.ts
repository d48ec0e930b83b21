/**
 * The hub's data folder holds residents' events: it is the owner's alone (0700, files 0600),
 * checked on disk, and the daemon warns when its config file is readable by others.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createHub } from '../../hub/main.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { hubConfig } from './support.ts';

const BIN = new URL('../../bin/hub.js', import.meta.url).pathname;
const CWD = new URL('../../', import.meta.url).pathname;

const modeOf = (path: string) => statSync(path).mode & 0o777;
const octal = (mode: number) => `0${mode.toString(8)}`;

/** Every entry under the data folder with its mode, as `path mode` lines (readable in a diff). */
function modes(dataDir: string): { dirs: string[]; files: string[] } {
  const dirs = [`${dataDir} ${octal(modeOf(dataDir))}`];
  const files: string[] = [];
  const leveldb = join(dataDir, 'leveldb');
  dirs.push(`${leveldb} ${octal(modeOf(leveldb))}`);
  for (const name of readdirSync(leveldb)) files.push(`${name} ${octal(modeOf(join(leveldb, name)))}`);
  return { dirs, files };
}

function assertPrivate(t: Test, dataDir: string) {
  const { dirs, files } = modes(dataDir);
  t.same(dirs, [`${dataDir} 0700`, `${join(dataDir, 'leveldb')} 0700`], 'folders 0700');
  t.ok(files.some((f) => f.startsWith('CURRENT ')), 'LevelDB files are there');
  t.same(files.filter((f) => !f.endsWith(' 0600')), [], 'every file 0600');
}

function quietHub(dataDir: string) {
  return createHub(hubConfig({ dataDir, receivers: [], devices: [] }), { logger: createTestLogger('silent').logger });
}

t.test('in-process, with a loose umask: the folder and its files are made private', async (t) => {
  const previous = process.umask(0o022);
  t.teardown(() => void process.umask(previous));
  const dataDir = join(t.testdir(), 'data');
  const hub = quietHub(dataDir);
  await hub.start();
  await hub.stop();
  assertPrivate(t, dataDir);
});

t.test('a data folder left open by an older version is tightened at start', async (t) => {
  const previous = process.umask(0o022);
  t.teardown(() => void process.umask(previous));
  const dataDir = join(t.testdir(), 'data');
  const first = quietHub(dataDir);
  await first.start();
  await first.stop();
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'leveldb'), 0o755);
  for (const name of readdirSync(join(dataDir, 'leveldb'))) chmodSync(join(dataDir, 'leveldb', name), 0o644);
  const second = quietHub(dataDir);
  await second.start();
  await second.stop();
  assertPrivate(t, dataDir);
});

/** `hub start -c <file>` as a child process, resolved once it printed its MQTT line. */
async function startDaemon(t: Test, dir: string, configMode: number) {
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'hub.json');
  writeFileSync(
    configFile,
    JSON.stringify({ hubId: 'perm-hub', dataDir, panel: { host: '127.0.0.1', port: 0 }, broker: { host: '127.0.0.1', port: 0 } }),
  );
  chmodSync(configFile, configMode);
  const child = spawn(process.execPath, [BIN, 'start', '-c', configFile], {
    cwd: CWD,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/^MQTT: /m.test(stdout)) resolve();
    });
    void exited.then((code) => reject(new Error(`hub exited ${code} before starting: ${stderr}${stdout}`)));
  });
  const records = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const stop = () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { child, dataDir, configFile, records, stop };
}

t.test('the daemon: umask 077, private data, and a warning for a config file others can read', async (t) => {
  const daemon = await startDaemon(t, t.testdir(), 0o644);
  // Linux shows a process's umask in /proc (since 4.7); elsewhere this check has nothing to read.
  const status = `/proc/${daemon.child.pid}/status`;
  if (existsSync(status)) t.match(readFileSync(status, 'utf8'), /^Umask:\s+0077$/m, 'the daemon runs with umask 077');
  else t.comment('no /proc: umask not checked');
  const warning = daemon.records().find((r) => /readable by other users/.test(String(r.msg)));
  t.match(warning, { level: 40, module: 'config', file: daemon.configFile, mode: '0644' }, 'warns about the config file');
  t.equal(await daemon.stop(), 0);
  assertPrivate(t, daemon.dataDir);
});

t.test('no warning for a config file only its owner can read', async (t) => {
  const daemon = await startDaemon(t, t.testdir(), 0o600);
  t.equal(await daemon.stop(), 0);
  const messages = daemon.records().map((r) => r.msg);
  t.ok(messages.includes('hub started'), 'the log was read');
  t.notOk(messages.some((m) => /readable by other users/.test(String(m))), 'no warning');
});
