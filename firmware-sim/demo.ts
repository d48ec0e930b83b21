/**
 * `npm run demo`: a relay on PGlite, a hub with its broker and LevelDB in
 * ./data/demo, a simulated serial receiver on a socat PTY pair (an MQTT button
 * where socat is missing), an MQTT call button, and a resident in room 103 with
 * a CMS50 oximeter and a fall radar on PTYs of their own, and a short scenario.
 * Runs until Ctrl-C or SIGTERM.
 */
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { hashPin, newPairingCode, normalisePairingCode, pinProblem, tokenSha256 } from '../hub/staff/credentials.ts';
import { createSerialportBinding } from '../drivers/serial/serialport-binding.ts';
import { systemClock } from '../drivers/clock.ts';
import { createCallReceiverSim } from './call-receiver-sim.ts';
import { createCms50Sim } from './cms50-sim.ts';
import { createSeeedRadarSim } from './seeed-radar-sim.ts';
import { createSimSerialPort } from './sim-serial-port.ts';
import { createVitalsState } from './vitals.ts';
import { createMqttCallPointSim } from './mqtt-call-point-sim.ts';
import { freePort, startService, type ChildService } from './processes.ts';
import { createPtyPair, SOCAT_MISSING_REASON, socatAvailable } from './pty.ts';
import { parseScenario, runScenario } from './scenario.ts';

const DATA = resolve(process.env.DEMO_DATA_DIR ?? 'data/demo');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const say = (line: string) => process.stdout.write(line + '\n');
/** Config files hold token and PIN hashes: owner-only, also when a previous run left one behind. */
const writePrivate = (file: string, text: string) => {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
};

interface DemoSecrets {
  hubToken: string;
  operatorKey: string;
  buttonPassword: string;
  /** the demo nurse's panel PIN */
  nursePin: string;
}

const DEMO_NURSE = { id: 'nurse-demo', name: 'Demo Nurse' };

/** Six random digits that `hub staff add` would accept. */
function randomPin(): string {
  for (;;) {
    const pin = String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, '0');
    if (!pinProblem(pin)) return pin;
  }
}

/** Secrets persist in the data folder so a second run keeps the same operator key and PIN. */
function loadSecrets(): DemoSecrets {
  const file = join(DATA, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoSecrets>) : {};
  const secrets = {
    hubToken: stored.hubToken ?? randomBytes(24).toString('base64url'),
    operatorKey: stored.operatorKey ?? `op_${randomBytes(24).toString('base64url')}`,
    buttonPassword: stored.buttonPassword ?? randomBytes(16).toString('base64url'),
    nursePin: stored.nursePin ?? randomPin(),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Room 101's call point speaks serial through a receiver on a socat PTY pair; MQTT when socat is missing. */
function scenario(serial: boolean) {
  const room101 = serial
    ? ([
        { at: 1000, do: 'serial-call', callPoint: 17 },
        { at: 5000, do: 'serial-cancel', callPoint: 17 },
      ] as const)
    : ([
        { at: 1000, do: 'mqtt-call', deviceId: 'btn-101' },
        { at: 5000, do: 'mqtt-cancel', deviceId: 'btn-101' },
      ] as const);
  return parseScenario([
    { at: 0, do: 'log', message: `Room 101 presses the call button (${serial ? 'serial receiver' : 'MQTT'})` },
    room101[0],
    { at: 5000, do: 'log', message: 'Staff arrive; cancel pressed at the room' },
    room101[1],
    { at: 7000, do: 'log', message: 'Room 102 presses its MQTT call button; it stays open for you' },
    { at: 7000, do: 'mqtt-call', deviceId: 'btn-102' },
  ]);
}

async function main(): Promise<number> {
  const withSerial = socatAvailable();
  if (!withSerial) say(`Note: ${SOCAT_MISSING_REASON}; room 101 uses an MQTT button instead of the serial receiver.`);
  mkdirSync(DATA, { recursive: true });
  const secrets = loadSecrets();
  const logger = pino({ level: process.env.DEMO_LOG_LEVEL ?? 'warn' });
  const services: ChildService[] = [];
  const pty = withSerial ? await createPtyPair() : null;
  // Room 103's resident: an oximeter and a fall radar, each on its own serial line.
  const oxiPty = withSerial ? await createPtyPair() : null;
  const radarPty = withSerial ? await createPtyPair() : null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('Stopping…');
    for (const s of services.reverse()) await s.stop();
    await pty?.close();
    await oxiPty?.close();
    await radarPty?.close();
    say('Stopped.');
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  // `npm run demo` does not pass a SIGTERM sent to npm on to us; when npm goes, we go.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();

  try {
    const relayPort = await freePort(8787, '127.0.0.1');
    writePrivate(
      join(DATA, 'cloud.json'),
      JSON.stringify(
        {
          host: '127.0.0.1',
          port: relayPort,
          dataDir: join(DATA, 'cloud'),
          logLevel: 'info',
          bootstrap: {
            orgs: [{ id: 'rosewood', name: 'Rosewood Nursing Home', kind: 'nursing-home' }],
            hubs: [{ id: 'demo-hub', orgId: 'rosewood', tokenSha256: sha256(secrets.hubToken) }],
            apiKeys: [{ id: 'demo-operator', orgId: 'rosewood', role: 'operator', keySha256: sha256(secrets.operatorKey) }],
          },
        },
        null,
        2,
      ),
    );
    say('Starting the relay (PGlite; the first start creates the database, ~10 s)…');
    const relay = startService('cloud', ['start', '--config', join(DATA, 'cloud.json')], join(DATA, 'cloud.log'), { DATABASE_URL: '' });
    services.push(relay);
    const relayUrl = (await relay.waitFor(/listening on (\S+)/, 120_000)).replace(/\/$/, '');

    const [panelPort, brokerPort] = [await freePort(8080), await freePort(1884)];
    // The demo's display is paired by the printed Panel URL: a new one-time code each run.
    const pairingCode = newPairingCode();
    writePrivate(
      join(DATA, 'hub.json'),
      JSON.stringify(
        {
          hubId: 'demo-hub',
          dataDir: join(DATA, 'hub'),
          panel: { port: panelPort },
          broker: { port: brokerPort },
          relay: { url: relayUrl, idleMs: 1000 },
          rooms: [
            { id: 'room-101', name: 'Room 101' },
            { id: 'room-102', name: 'Room 102' },
            ...(oxiPty ? [{ id: 'room-103', name: 'Room 103 (oximeter, fall radar)' }] : []),
          ],
          receivers: pty ? [{ id: 'rx-demo', path: pty.hubPath, address: 1 }] : [],
          devices: [
            pty
              ? { id: 'cp-101', roomId: 'room-101', callPoint: { receiver: 'rx-demo', address: 17 } }
              : { id: 'btn-101', roomId: 'room-101', mqtt: { passwordSha256: sha256(secrets.buttonPassword) } },
            { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256(secrets.buttonPassword) } },
            ...(oxiPty && radarPty
              ? [
                  { id: 'oxi-103', roomId: 'room-103', residentId: 'res-103', model: 'contec-cms50-v7', serial: { path: oxiPty.hubPath } },
                  { id: 'radar-103', roomId: 'room-103', residentId: 'res-103', model: 'seeed-mr60fda2', serial: { path: radarPty.hubPath } },
                ]
              : []),
          ],
          staff: [{ ...DEMO_NURSE, pinScrypt: await hashPin(secrets.nursePin) }],
          displays: [
            {
              id: 'demo-display',
              pairingCodeSha256: tokenSha256(normalisePairingCode(pairingCode)),
              pairingExpiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
            },
          ],
        },
        null,
        2,
      ),
    );
    const hub = startService('hub', ['start', '--config', join(DATA, 'hub.json')], join(DATA, 'hub.log'), { HUB_RELAY_TOKEN: secrets.hubToken });
    services.push(hub);
    const panelUrl = await hub.waitFor(/^Panel: (\S+)/);

    say(`Panel: ${new URL(`pair?code=${pairingCode}`, panelUrl).href}`);
    say(`Staff sign-in: ${DEMO_NURSE.id} PIN ${secrets.nursePin}`);
    say(`Relay: ${relayUrl}`);
    say(`Operator API key: ${secrets.operatorKey}`);
    say(`(relay docs: ${relayUrl}/docs · logs: ${join(DATA, 'hub.log')}, ${join(DATA, 'cloud.log')})`);

    const room103 = oxiPty && radarPty ? await startRoom103(oxiPty.devicePath, radarPty.devicePath) : null;
    if (room103) say('· Room 103: the oximeter streams SpO2 and pulse (60 frames/s, one reading a second stored); the radar watches for falls');
    const serial = pty ? createCallReceiverSim({ binding: createSerialportBinding(), path: pty.devicePath, receiver: 1, logger }) : undefined;
    await serial?.open();
    const buttons = new Map(
      (pty ? ['btn-102'] : ['btn-101', 'btn-102']).map((deviceId) => [
        deviceId,
        createMqttCallPointSim({ url: `mqtt://127.0.0.1:${brokerPort}`, deviceId, password: secrets.buttonPassword, logger }),
      ]),
    );
    for (const button of buttons.values()) await button.connect();
    await runScenario(scenario(pty !== null), { ...(serial && { serial }), mqtt: buttons }, {
      onStep: (step) => step.do === 'log' && say(`· ${step.message}`),
    });
    if (room103) {
      say('· Room 103: the resident\'s SpO2 drifts down to 89 % over 20 s; then the radar reports a fall');
      room103.vitals.drift({ spo2: 89 }, 20_000, Date.now());
      await room103.radar.fall();
    }
    for (const button of buttons.values()) await button.close();
    await serial?.close();
    await reportRelay(relayUrl, secrets.operatorKey);
    say('Demo running. Open the panel (the link pairs this browser as a display, once), sign in as the demo nurse, then acknowledge and resolve the open call. Ctrl-C to stop.');
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    await shutdown(1);
  }
  return 0;
}

/** Room 103's devices at their end of the serial lines: the oximeter answers the hub's start command and streams. */
async function startRoom103(oxiPath: string, radarPath: string) {
  const binding = createSerialportBinding();
  const vitals = createVitalsState({ spo2: 96, pulse: 78 });
  const oxiPort = createSimSerialPort({ binding, path: oxiPath, baudRate: 115200 });
  const radarPort = createSimSerialPort({ binding, path: radarPath, baudRate: 115200 });
  await oxiPort.open();
  await radarPort.open();
  const oximeter = createCms50Sim({ protocol: 'v7', port: oxiPort, clock: systemClock, vitals: () => vitals.at(Date.now()) });
  const radar = createSeeedRadarSim({ port: radarPort, clock: systemClock });
  oximeter.start();
  radar.start();
  await radar.presence(true);
  return { vitals, oximeter, radar };
}

/** Waits until the relay has the alarms the scenario raised, then prints them. */
async function reportRelay(relayUrl: string, key: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${relayUrl}/v1/alarms`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { items: Array<{ roomId: string; state: string }> };
    if (body.items.length >= 2) {
      say(`Relay has ${body.items.length} alarms: ${body.items.map((a) => `${a.roomId} ${a.state}`).join(', ')}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  say('The relay has not received the alarms yet; the hub keeps them in its outbox and retries.');
}

process.exitCode = await main();
