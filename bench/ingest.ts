/**
 * npm run bench:ingest — acknowledged readings/s from many MQTT devices into the hub's durable
 * event log, next to a bare aedes broker measured in the same run (goal: hub ≥ 0.5 × aedes).
 *
 * Each round runs both servers, one after the other (the order alternates between rounds, so a
 * drift in the machine's load does not favour one), each in its own process
 * (bench/ingest-server.ts) with a fresh state, under the same closed-loop QoS 1 load from this
 * process (bench/ingest-load.ts). A PUBACK from the hub means the reading is in the LevelDB event
 * log (hub/transports/broker.ts answers after the append), so after each hub round the readings
 * on disk are counted and compared with the PUBACKs received.
 *
 * Figures on stdout, progress on stderr. Flags: --help.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createIngestLoad } from './ingest-load.ts';
import { GOAL, LABEL, roundLine, summaryLines, type RoundResult, type ServerKind } from './ingest-report.ts';
import type { ServerReply, StartMessage, StoredCounts } from './ingest-server.ts';
import { readFlags as readBenchFlags } from './flags.ts';

const USAGE = `npm run bench:ingest -- [flags]

Acknowledged QoS 1 readings/s from MQTT devices: a bare aedes broker, then the hub (LevelDB event
log), alternating, each round in fresh processes. Prints per-round figures, medians,
publish→PUBACK p50/p99, and the ratio hub/aedes against the goal (≥ ${GOAL}).

  --devices N    MQTT clients, one per device (200)
  --seconds S    measured seconds per server per round (5)
  --rounds R     rounds; each runs both servers (3)
  --inflight K   unacknowledged PUBLISHes per client at most (4)
  --help         this text
`;

const Flags = z.strictObject({
  devices: z.coerce.number().int().min(1).max(5000),
  seconds: z.coerce.number().positive().max(600),
  rounds: z.coerce.number().int().min(1).max(100),
  inflight: z.coerce.number().int().min(1).max(1000),
});
type Flags = z.infer<typeof Flags>;

const say = (line: string) => process.stdout.write(line + '\n');
const progress = (line: string) => process.stderr.write(line + '\n');

/** The flags, or null when --help was printed or a flag was bad (bench/flags.ts). */
const readFlags = () =>
  readBenchFlags(
    {
      devices: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      inflight: { type: 'string', default: '4' },
    },
    Flags,
    USAGE,
  );

/** The server process for one round, driven over IPC (bench/ingest-server.ts). */
class ServerProcess {
  private readonly replies: ServerReply[] = [];
  private wake: (() => void) | null = null;
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message) => {
      this.replies.push(message as ServerReply);
      this.wake?.();
    });
    child.once('exit', () => {
      this.exited = true;
      this.wake?.();
    });
    // The hub logs (pino) to its stdout; this process keeps stdout for figures.
    child.stdout!.pipe(process.stderr);
  }

  static async start(message: StartMessage): Promise<{ server: ServerProcess; port: number }> {
    // fork inherits this process's execArgv: --import tsx, and --cpu-prof when profiling.
    const child = fork(fileURLToPath(new URL('./ingest-server.ts', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const server = new ServerProcess(child);
    child.send(message);
    const ready = await server.next('ready');
    return { server, port: ready.port };
  }

  async cpuMs(): Promise<number> {
    this.child.send({ type: 'cpu' });
    const { userMs, systemMs } = await this.next('cpu');
    return userMs + systemMs;
  }

  async stop(): Promise<StoredCounts | null> {
    this.child.send({ type: 'stop' });
    const { stored } = await this.next('stopped');
    if (!this.exited) await new Promise((resolve) => this.child.once('exit', resolve));
    return stored;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private async next<T extends ServerReply['type']>(type: T): Promise<Extract<ServerReply, { type: T }>> {
    for (;;) {
      const reply = this.replies.shift();
      if (reply) {
        if (reply.type !== type) throw new Error(`ingest server answered ${reply.type}, expected ${type}`);
        return reply as Extract<ServerReply, { type: T }>;
      }
      if (this.exited) throw new Error(`ingest server exited before answering ${type}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

async function runOne(kind: ServerKind, round: number, flags: Flags, dir: string): Promise<RoundResult> {
  const { server, port } = await ServerProcess.start({ type: 'start', server: kind, devices: flags.devices, dataDir: join(dir, `${kind}-${round}`) });
  try {
    const load = createIngestLoad({ url: `mqtt://127.0.0.1:${port}`, devices: flags.devices, inflight: flags.inflight });
    await load.connect();
    const serverCpuBefore = await server.cpuMs();
    const clientCpuBefore = process.cpuUsage();
    const result = await load.run(flags.seconds);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const serverCpuMs = (await server.cpuMs()) - serverCpuBefore;
    await load.close();
    const stored = await server.stop();
    return { server: kind, round, load: result, serverCpuMs, clientCpuMs: (clientCpu.user + clientCpu.system) / 1000, stored };
  } finally {
    server.kill();
  }
}

async function main(): Promise<void> {
  const flags = readFlags();
  if (!flags) return;
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-ingest-'));
  const loadBefore = loadavg();
  const results: RoundResult[] = [];
  try {
    say(
      `carehub ingest benchmark: ${flags.devices} MQTT devices, QoS 1 telemetry, ${flags.inflight} in flight per device, ` +
        `${flags.rounds} rounds × ${flags.seconds} s per server (servers in their own process, fresh each round)`,
    );
    for (let round = 1; round <= flags.rounds; round++) {
      const order: ServerKind[] = round % 2 === 1 ? ['aedes', 'hub'] : ['hub', 'aedes'];
      for (const kind of order) {
        progress(`round ${round}/${flags.rounds}: ${LABEL[kind]} ...`);
        const r = await runOne(kind, round, flags, dir);
        results.push(r);
        say(roundLine(r));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  say('');
  const verdict = summaryLines(results);
  for (const line of verdict.lines) say(line);
  const loadAfter = loadavg();
  say(`machine: ${cpus().length} CPUs, load average ${loadBefore[0]!.toFixed(2)} before, ${loadAfter[0]!.toFixed(2)} after; node ${process.version}`);
  if (!verdict.durable) process.exitCode = 1;
}

await main();
