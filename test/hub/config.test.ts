import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadHubConfig } from '../../hub/config.ts';
import { main } from '../../hub/cli.ts';

const TOKEN = 'a-hub-token-of-enough-length';

function writeConfig(t: Test, config: unknown): string {
  const dir = t.testdir({ 'hub.json': JSON.stringify(config) });
  return join(dir, 'hub.json');
}

t.test('the example config is valid once the relay token comes from the environment', async (t) => {
  const result = loadHubConfig({ file: 'config/hub.example.json', env: { HUB_RELAY_TOKEN: TOKEN } });
  t.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  if (!result.ok) return;
  t.equal(result.config.relay.token, TOKEN);
  t.equal(result.config.panel.port, 8080);
  t.ok(Object.isFrozen(result.config.panel), 'config is frozen');
  t.same(result.config.rules['call-point'], { callPriority: 'medium', pullCordPriority: 'high', lowBatteryPriority: 'low' });
});

t.test('defaults, and env beneath flags', async (t) => {
  const dir = t.testdir({ 'c.json': JSON.stringify({ hubId: 'h1' }) });
  const result = loadHubConfig({
    file: join(dir, 'c.json'),
    env: { HUB_PANEL_PORT: '9000', HUB_BROKER_PORT: '9001' },
    overrides: { HUB_PANEL_PORT: '9100' },
  });
  t.match(result, { ok: true, config: { panel: { port: 9100, host: '0.0.0.0' }, broker: { port: 9001 }, dataDir: './data/hub' } });
});

t.test('every bad path is reported at once', async (t) => {
  const bad = {
    hubId: 'bad id',
    extra: true,
    panel: { port: 'eighty' },
    rooms: [{ id: 'r1', name: 'R1' }, { id: 'r1', name: 'again' }],
    receivers: [{ id: 'rx', address: 1 }],
    devices: [
      { id: 'd1', roomId: 'nowhere', callPoint: { receiver: 'rx-missing', address: 3 } },
      { id: 'd2', roomId: 'r1', mqtt: { passwordSha256: 'short' } },
      { id: 'd3', roomId: 'r1' },
    ],
    rules: { 'call-point': { callPriority: 'urgent' }, 'no-such-rule': {} },
  };
  const dir = t.testdir({ 'bad.json': JSON.stringify(bad) });
  const result = loadHubConfig({ file: join(dir, 'bad.json'), env: { HUB_BROKER_PORT: 'x' } });
  t.equal(result.ok, false);
  if (result.ok) return;
  // Shape errors and cross-reference errors in the same run: a user fixes the file once.
  t.same(
    result.errors.map((e) => e.path).sort(),
    [
      'HUB_BROKER_PORT',
      'devices.0.callPoint.receiver',
      'devices.0.roomId',
      'devices.1.mqtt.passwordSha256',
      'devices.2',
      'extra',
      'hubId',
      'panel.port',
      'receivers.0',
      'rooms.1.id',
      'rules.call-point.callPriority',
      'rules.no-such-rule',
    ].sort(),
  );
  t.match(result.errors.find((e) => e.path === 'devices.0.roomId'), { message: 'unknown room "nowhere"' });
  t.match(result.errors.find((e) => e.path === 'devices.0.callPoint.receiver'), { message: 'unknown receiver "rx-missing"' });
});

t.test('a field that fails its own schema is not reported again as an unknown reference', async (t) => {
  const result = loadHubConfig({
    file: writeConfig(t, {
      hubId: 'h',
      rooms: [{ id: 'r1', name: 'R1' }],
      devices: [{ id: 'd1', roomId: 'Bad Id', mqtt: { passwordSha256: 'a'.repeat(64) } }],
    }),
  });
  t.match(result, { ok: false });
  t.same(!result.ok && result.errors.map((e) => e.path), ['devices.0.roomId']);
  t.notMatch(!result.ok && result.errors[0]!.message, /unknown room/);
});

t.test('a list that is not a list does not make every reference into it unknown', async (t) => {
  const result = loadHubConfig({
    file: writeConfig(t, { hubId: 'h', rooms: 'r1', devices: [{ id: 'd1', roomId: 'r1', mqtt: { passwordSha256: 'a'.repeat(64) } }] }),
  });
  t.same(!result.ok && result.errors.map((e) => e.path), ['rooms']);
});

t.test('hub start exits 2 naming each bad path; --help exits 0', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify({ hubId: 'ok', panel: { port: -1 }, nope: 1 }) });
  const run = spawnSync(process.execPath, ['bin/hub.js', 'start', '--config', join(dir, 'bad.json')], { encoding: 'utf8' });
  t.equal(run.status, 2);
  t.match(run.stderr, /panel\.port: /);
  t.match(run.stderr, /nope: unknown key/);
  const help = spawnSync(process.execPath, ['bin/hub.js', '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: hub <command>/);
});

t.test('cli: unknown command and unreadable file', async (t) => {
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: {} };
  t.equal(await main(['launch'], io), 2);
  t.match(lines.join('\n'), /unknown command "launch"/);
  lines.length = 0;
  t.equal(await main(['check-config', '--config', '/nonexistent/hub.json'], io), 2);
  t.match(lines.join('\n'), /cannot read config/);
  lines.length = 0;
  t.equal(await main(['hash-secret', 'secret'], io), 0);
  t.same(lines, ['sha256: 2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b']);
});
