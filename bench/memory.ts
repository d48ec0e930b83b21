/**
 * npm run bench:memory — the hub's resident memory (RSS) idle, then with many MQTT devices each
 * sending a reading every few seconds for minutes, next to a bare aedes broker under the same
 * clients in the same run (docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory). Goals: hub peak ≤ 100 MiB with 1,000 devices,
 * and less than 5% growth over the second half of a 10-minute soak.
 *
 * The hub runs as in production, `node bin/hub.js start -c <config>` (the compiled dist/ when it is
 * current, bin/hub-entry.js; the line "hub runs:" says which); the bare broker is plain JavaScript
 * (bench/bare-aedes-server.mjs). Both run at once, each with its own N clients from this process,
 * and RSS is read from /proc/<pid>/status (VmRSS: every thread of the process, native memory and
 * LevelDB's caches included) every --sample-seconds.
 *
 * Figures on stdout, progress on stderr. Flags: --help.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { z } from 'zod';
// @ts-expect-error plain JavaScript module without types
import { compiledHubCli } from '../bin/hub-entry.js';
import { startService, type ChildService } from '../firmware-sim/processes.ts';
import { sha256Hex } from '../hub/secrets.ts';
import { deviceTopic } from '../protocols/mqtt-topics.ts';
import { TEST_STAFF } from '../test/support/panel-auth.ts';
import { readFlags as readBenchFlags } from './flags.ts';
import { deviceId, devicePassword } from './ingest-load.ts';
import { figuresLine, memoryFigures, verdictLines, type RssSample } from './memory-report.ts';

const USAGE = `npm run bench:memory -- [flags]

Hub RSS idle, then with N MQTT devices each publishing a QoS 1 reading every --interval seconds for
--minutes, next to a bare aedes broker with the same clients in the same run. Prints idle, peak and
growth over the second half for both, and the hub against its goals (peak ≤ 100 MiB, growth < 5%).

  --devices N          MQTT clients per server, one per device (1000)
  --minutes M          length of the soak (10); fractions allowed
  --interval S         seconds between one device's readings (10)
  --idle-seconds S     RSS sampled idle, before the devices connect (10)
  --sample-seconds S   seconds between RSS samples (2)
  --hub-node-options=O V8/Node flags for the hub process only, as NODE_OPTIONS (e.g. --hub-node-options=--max-semi-space-size=1; node admits only some V8 flags there); none by default
  --help               this text
`;

const Flags = z.strictObject({
  devices: z.coerce.number().int().min(1).max(5000),
  minutes: z.coerce.number().positive().max(600),
  interval: z.coerce.number().positive().max(3600),
  'idle-seconds': z.coerce.number().min(1).max(600),
  'sample-seconds': z.coerce.number().min(0.1).max(60),
  'hub-node-options': z.string().max(500),
});
type Flags = z.infer<typeof Flags>;

const say = (line: string) => process.stdout.write(line + '\n');
const progress = (line: string) => process.stderr.write(line + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Clients connected at once while the devices log in: a building's devices do not all reconnect in one instant. */
const CONNECT_CHUNK = 50;
const PAYLOAD = Buffer.from(JSON.stringify({ metric: 'heart-rate', value: 72 }));

/** VmRSS of a process in MiB (Linux /proc; the hub's target is a Linux box). */
function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) / 1024;
}

interface Server {
  label: string;
  pid: number;
  port: number;
  stop(): Promise<unknown>;
}

function hubConfig(devices: number, dir: string): string {
  const file = join(dir, 'hub.json');
  const config = {
    hubId: 'bench-memory',
    dataDir: join(dir, 'hub-data'),
    logLevel: 'warn',
    panel: { host: '127.0.0.1', port: 0 },
    // Every simulated device connects from 127.0.0.1 (docs/mqtt-topics.md, "Connection limits").
    broker: { host: '127.0.0.1', port: 0, maxPendingPerAddress: devices + 10, maxPendingConnections: devices + 10, maxConnections: devices + 10 },
    rooms: Array.from({ length: devices }, (_, i) => ({ id: `room-${i + 1}`, name: `Room ${i + 1}` })),
    devices: Array.from({ length: devices }, (_, i) => ({ id: deviceId(i), roomId: `room-${i + 1}`, mqtt: { passwordSha256: sha256Hex(devicePassword(i)) } })),
    // Only so the hub does not warn that nobody could acknowledge an alarm.
    staff: [TEST_STAFF],
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

async function startHub(devices: number, dir: string, nodeOptions: string): Promise<Server> {
  const env = nodeOptions ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, nodeOptions].filter(Boolean).join(' ') } : {};
  const hub: ChildService = startService('hub', ['start', '--config', hubConfig(devices, dir)], join(dir, 'hub.log'), env);
  const port = Number(await hub.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/, 120_000));
  return { label: 'hub', pid: hub.child.pid!, port, stop: () => hub.stop() };
}

async function startBareAedes(): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bench/bare-aedes-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare aedes exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^MQTT: mqtt:\/\/[^:]+:(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    label: 'bare aedes',
    pid: child.pid!,
    port,
    stop: () => (child.exitCode === null ? (child.kill('SIGTERM'), exited) : Promise.resolve()),
  };
}

interface Devices {
  clients: MqttClient[];
  acked: number;
  failed: number;
  timers: NodeJS.Timeout[];
}

async function connectDevices(port: number, count: number): Promise<Devices> {
  const devices: Devices = { clients: [], acked: 0, failed: 0, timers: [] };
  for (let first = 0; first < count; first += CONNECT_CHUNK) {
    const chunk = Array.from({ length: Math.min(CONNECT_CHUNK, count - first) }, (_, k) =>
      // aedes speaks MQTT 3.1.1 only (protocol 4).
      connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: deviceId(first + k), username: deviceId(first + k), password: devicePassword(first + k), reconnectPeriod: 0 }),
    );
    devices.clients.push(...(await Promise.all(chunk)));
  }
  for (const client of devices.clients) client.on('error', () => undefined);
  return devices;
}

/** Each device publishes one reading every `intervalMs`, starting at a random point in the first interval. */
function startPublishing(devices: Devices, intervalMs: number): void {
  devices.clients.forEach((client, i) => {
    const topic = deviceTopic(deviceId(i), 'telemetry');
    const publish = () =>
      client.publish(topic, PAYLOAD, { qos: 1 }, (err) => {
        if (err) devices.failed++;
        else devices.acked++;
      });
    const phase = setTimeout(() => {
      publish();
      devices.timers.push(setInterval(publish, intervalMs));
    }, Math.random() * intervalMs);
    devices.timers.push(phase);
  });
}

async function stopDevices(devices: Devices | null): Promise<void> {
  if (!devices) return;
  for (const timer of devices.timers) clearTimeout(timer);
  await Promise.all(devices.clients.map((client) => client.endAsync(true).catch(() => undefined)));
}

async function main(): Promise<void> {
  const flags = readBenchFlags(
    {
      devices: { type: 'string', default: '1000' },
      minutes: { type: 'string', default: '10' },
      interval: { type: 'string', default: '10' },
      'idle-seconds': { type: 'string', default: '10' },
      'sample-seconds': { type: 'string', default: '2' },
      'hub-node-options': { type: 'string', default: '' },
    },
    Flags,
    USAGE,
  );
  if (!flags) return;
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-memory-'));
  const loadBefore = loadavg();
  const servers: Server[] = [];
  const load: Array<Devices | null> = [null, null];
  try {
    say(
      `carehub memory benchmark: ${flags.devices} MQTT devices per server, a QoS 1 reading every ${flags.interval} s each, ` +
        `${flags.minutes} min soak, RSS every ${flags['sample-seconds']} s`,
    );
    say(
      `hub runs: ${compiledHubCli() ? 'compiled JavaScript (dist/)' : 'TypeScript sources through tsx (dist/ missing or older than the sources: npm run build)'}` +
        (flags['hub-node-options'] ? `, NODE_OPTIONS="${flags['hub-node-options']}"` : ''),
    );
    progress('starting bare aedes and the hub ...');
    // One at a time, so a hub that fails to start leaves the broker in the list that finally stops.
    servers.push(await startBareAedes());
    servers.push(await startHub(flags.devices, dir, flags['hub-node-options']));
    const sampleMs = flags['sample-seconds'] * 1000;
    const idle: RssSample[][] = servers.map(() => []);
    const idleUntil = performance.now() + flags['idle-seconds'] * 1000;
    while (performance.now() < idleUntil) {
      servers.forEach((s, i) => idle[i]!.push({ atMs: 0, rssMiB: rssMiB(s.pid) }));
      await sleep(sampleMs);
    }
    progress(`connecting ${flags.devices} devices to each server ...`);
    for (let i = 0; i < servers.length; i++) load[i] = await connectDevices(servers[i]!.port, flags.devices);
    const soakMs = flags.minutes * 60_000;
    const soak: RssSample[][] = servers.map(() => []);
    const startedAt = performance.now();
    for (const devices of load) startPublishing(devices!, flags.interval * 1000);
    let nextReport = 60_000;
    for (;;) {
      const atMs = performance.now() - startedAt;
      servers.forEach((s, i) => soak[i]!.push({ atMs, rssMiB: rssMiB(s.pid) }));
      if (atMs >= soakMs) break;
      if (atMs >= nextReport) {
        progress(`${(atMs / 60_000).toFixed(1)} min: ${servers.map((s, i) => `${s.label} ${soak[i]!.at(-1)!.rssMiB.toFixed(1)} MiB`).join(', ')}`);
        nextReport += 60_000;
      }
      await sleep(Math.min(sampleMs, soakMs - atMs));
    }
    const figures = servers.map((_, i) => memoryFigures(idle[i]!, soak[i]!, soakMs));
    say('');
    servers.forEach((s, i) => say(`${figuresLine(s.label, figures[i]!)}  (${load[i]!.acked} readings acknowledged, ${load[i]!.failed} failed)`));
    for (const line of verdictLines(figures[1]!, figures[0]!)) say(line);
    const loadAfter = loadavg();
    say(`machine: ${cpus().length} CPUs, load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after; node ${process.version}`);
    if (load.some((d) => d!.failed > 0)) process.exitCode = 1;
  } finally {
    await Promise.all(load.map(stopDevices));
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
