import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackHost, loadHubConfig, warnIfConfigReadable } from '../../hub/config.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { main } from '../../hub/cli.ts';

const TOKEN = 'a-hub-token-of-enough-length';

/** Words people put in example configs; a hash of one is a credential anyone can guess. */
const COMMON_WORDS = ['secret', 'password', 'changeme', 'test', 'demo', 'admin', 'token', 'hub-token', 'device', 'button', '123456', 's3cret'];

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
});

t.test('a bad flag is named as the flag, a bad variable as the variable', async (t) => {
  const file = writeConfig(t, { hubId: 'h' });
  const result = loadHubConfig({
    file,
    env: { HUB_PANEL_PORT: 'eighty', HUB_BROKER_PORT: '70000' },
    overrides: { HUB_PANEL_PORT: 'x', HUB_BROKER_PORT: '1e3', HUB_LOG_LEVEL: 'loud' },
  });
  // The bad flag leaves the variable's 70000 in place, which is then out of range under its own name.
  t.same(
    !result.ok && result.errors.map((e) => e.path).sort(),
    ['--broker-port', '--log-level', '--panel-port', 'HUB_BROKER_PORT', 'HUB_PANEL_PORT'].sort(),
  );
  t.match(!result.ok && result.errors.find((e) => e.path === '--panel-port'), { message: 'expected a number, got "x"' });
  // A flag that parses but is out of range is still named as the flag, with the field it sets.
  const range = loadHubConfig({ file, env: { HUB_BROKER_PORT: '1' }, overrides: { HUB_BROKER_PORT: '70000' } });
  t.match(!range.ok && range.errors, [{ path: '--broker-port', message: /sets broker\.port/ }]);
  t.equal(!range.ok && range.errors.length, 1);
  const envRange = loadHubConfig({ file, env: { HUB_BROKER_PORT: '70000' } });
  t.match(!envRange.ok && envRange.errors, [{ path: 'HUB_BROKER_PORT', message: /sets broker\.port/ }]);
});

t.test('the relay is reached over https, on loopback, or where the config allows http explicitly', async (t) => {
  const load = (relay: Record<string, unknown>) => loadHubConfig({ file: writeConfig(t, { hubId: 'h', relay: { token: TOKEN, ...relay } }) });
  for (const url of ['https://relay.example.org', 'http://127.0.0.1:8787', 'http://127.9.8.7/', 'http://localhost:1', 'http://[::1]:8787']) {
    t.match(load({ url }), { ok: true }, url);
  }
  for (const url of ['http://relay.example.org', 'http://10.0.0.5:8787', 'http://128.0.0.1', 'http://[::2]/', 'http://localhost.example.org']) {
    const result = load({ url });
    t.match(!result.ok && result.errors, [{ path: 'relay.url', message: /unencrypted/ }], url);
  }
  t.match(load({ url: 'http://relay.example.org', allowInsecureHttp: true }), { ok: true }, 'allowed explicitly');
  t.match(load({ url: 'ftp://relay.example.org' }), { ok: false, errors: [{ path: 'relay.url', message: /https/ }] });
  const creds = load({ url: 'https://hub:hunter2hunter2@relay.example.org' });
  t.match(!creds.ok && creds.errors, [{ path: 'relay.url', message: /credentials/ }], 'userinfo refused');
  t.notMatch(JSON.stringify(creds), /hunter2/, 'the refusal does not echo the password');
  // The same check for a URL from the flag, named as the flag.
  const flag = loadHubConfig({ file: writeConfig(t, { hubId: 'h', relay: { token: TOKEN } }), overrides: { HUB_RELAY_URL: 'http://relay.example.org' } });
  t.match(!flag.ok && flag.errors, [{ path: '--relay-url', message: /unencrypted/ }]);
});

t.test('the relay check runs alongside other errors', async (t) => {
  const result = loadHubConfig({ file: writeConfig(t, { hubId: 'bad id', relay: { url: 'http://relay.example.org', token: TOKEN } }) });
  t.same(!result.ok && result.errors.map((e) => e.path).sort(), ['hubId', 'relay.url']);
});

t.test('isLoopbackHost', async (t) => {
  for (const host of ['localhost', 'LOCALHOST', 'a.localhost', '127.0.0.1', '127.255.255.254', '[::1]', '::1']) t.ok(isLoopbackHost(host), host);
  for (const host of ['localhost.evil.org', '128.0.0.1', '1.127.0.0.1', '0.0.0.0', '[::]', '10.0.0.1', 'example.org']) t.notOk(isLoopbackHost(host), host);
});

t.test('the example config carries no hash of a dictionary word', async (t) => {
  const text = readFileSync('config/hub.example.json', 'utf8');
  const hashes = text.match(/[0-9a-f]{64}/g) ?? [];
  t.ok(hashes.length > 0, 'the example has device credentials');
  const words = new Set(COMMON_WORDS.map((w) => sha256Hex(w)));
  for (const h of hashes) t.notOk(words.has(h), `${h} is not the hash of a common word`);
});

t.test('a config file others can read is warned about', async (t) => {
  const file = writeConfig(t, { hubId: 'h' });
  const { logger, records } = createTestLogger();
  chmodSync(file, 0o600);
  t.equal(warnIfConfigReadable(file, logger), false);
  t.same(records, []);
  for (const mode of [0o640, 0o604, 0o644]) {
    chmodSync(file, mode);
    t.equal(warnIfConfigReadable(file, logger), true, mode.toString(8));
  }
  t.equal(records.length, 3);
  t.match(records[0], { level: 40, file, mode: '0640', msg: /readable by other users/ });
});

t.test('a device names one transport and a registered model of that transport; the model\'s line settings apply', async (t) => {
  const hash = 'a'.repeat(64);
  const device = (fields: Record<string, unknown>) => ({ roomId: 'r1', ...fields });
  const result = loadHubConfig({
    file: writeConfig(t, {
      hubId: 'h',
      rooms: [{ id: 'r1', name: 'R1' }],
      receivers: [{ id: 'rx', path: '/dev/null', address: 1 }],
      devices: [
        device({ id: 'ok-serial', model: 'contec-cms50-v7', serial: { path: '/dev/serial/by-id/usb-oxi' } }),
        device({ id: 'ok-mqtt', mqtt: { passwordSha256: hash } }),
        device({ id: 'none' }),
        device({ id: 'two', mqtt: { passwordSha256: hash }, serial: { path: '/dev/x' } }),
        device({ id: 'no-model', serial: { path: '/dev/x' } }),
        device({ id: 'unknown', model: 'acme-9000', serial: { path: '/dev/x' } }),
        device({ id: 'wrong-transport', model: 'contec-cms50-v7', mqtt: { passwordSha256: hash } }),
        device({ id: 'receiver-as-device', model: 'call-receiver-v1', serial: { path: '/dev/x' } }),
        device({ id: 'model-behind-receiver', model: 'contec-cms50-v7', callPoint: { receiver: 'rx', address: 2 } }),
        device({ id: 'no-port', model: 'seeed-mr60fda2', serial: {} }),
      ],
    }),
  });
  t.match(result, { ok: false });
  const errors = result.ok ? [] : [...result.errors].sort((a, b) => a.path.localeCompare(b.path));
  t.same(
    errors.map((e) => e.path),
    ['devices.2', 'devices.3', 'devices.4.model', 'devices.5.model', 'devices.6.model', 'devices.7.model', 'devices.8.model', 'devices.9.serial'],
  );
  t.match(errors[0]?.message, /needs one of callPoint, serial, mqtt, ble, zigbee2mqtt/);
  t.match(errors[1]?.message, /has serial and mqtt|has mqtt and serial/);
  t.match(errors[2]?.message, 'required for a serial device');
  t.match(errors[3]?.message, /"acme-9000" is not a serial device model; known: .*contec-cms50-v7/);
  t.match(errors[4]?.message, /"contec-cms50-v7" is not a mqtt device model; known: carehub-mqtt/);
  t.notMatch(errors[5]?.message, /call-receiver-v1,/, 'a receiver model is not offered for a device');
  t.match(errors[6]?.message, /receiver's model/);

  const good = loadHubConfig({
    file: writeConfig(t, {
      hubId: 'h',
      rooms: [{ id: 'r1', name: 'R1' }],
      receivers: [{ id: 'rx', path: '/dev/null', address: 1 }],
      devices: [device({ id: 'oxi', model: 'contec-cms50-legacy', serial: { path: '/dev/x', baudRate: 9600 } })],
    }),
  });
  t.match(good, { ok: true });
  t.equal(good.ok && good.config.receivers[0]!.baudRate, undefined, 'no baud rate default overrides the receiver model\'s own');
});
