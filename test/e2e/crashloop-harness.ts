/**
 * The crash loop (docs/crash-testing.md): the hub and the relay as real processes through their own
 * command lines, steady load from simulated devices, `kill -9` of the hub at a random moment in every
 * cycle and of the relay while batches flow in some cycles, a restart after each; at the end the
 * relay's events are compared with what the devices were acknowledged (crashloop-compare.ts).
 * Used by test/e2e/crashloop.test.ts and `npm run crashloop`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, freePort, type ChildService } from '../../firmware-sim/processes.ts';
import { createPgliteDatabase } from '../../cloud/store/pglite.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import type { Database } from '../../cloud/store/database.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { compareCrashLoop, type CrashLoopVerdict, type StoredEvent } from './crashloop-compare.ts';
import { createDeviceFleet } from './crashloop-devices.ts';
import { seededRandom } from '../../firmware-sim/seeded-random.ts';

export interface CrashLoopOptions {
  /** An empty folder for data, configs and logs. */
  workDir: string;
  cycles: number;
  /** The hub runs this long under load (uniformly at random between the two) before it is killed, ms. */
  minRunMs?: number;
  maxRunMs?: number;
  /** Every this many cycles the relay is killed too, while batches flow (0: never). */
  relayKillEvery?: number;
  /** A PostgreSQL server URL: the relay runs on a scratch database there (dropped at the end). Unset: PGlite in workDir. */
  postgresServerUrl?: string;
  buttons?: number;
  telemetryDevices?: number;
  callPoints?: number;
  /** Seeds the kill schedule, so a run's schedule can be repeated (its timing cannot). */
  seed?: number;
  onProgress?(line: string): void;
}

export interface CrashLoopResult {
  cycles: number;
  hubKills: number;
  relayKills: number;
  /** Relay kills sent right after its ingest counter moved (the rest: it did not move within a second). */
  relayKillsWhileIngesting: number;
  verdict: CrashLoopVerdict;
  /** Per hub start: spawn to the broker's "MQTT:" line, ms. */
  hubStartMs: number[];
  /** Per relay start: spawn to "listening on", ms. */
  relayStartMs: number[];
  /** Per cycle: hub spawn to the killed hub's devices detached, ms. */
  cycleMs: number[];
  /** Messages sent by the devices, acknowledged or not. */
  sent: number;
  totalMs: number;
  seed: number;
  /** Where the processes' logs are. */
  logs: { hub: string; relay: string };
}

export const CRASHLOOP_HUB_ID = 'hub-crashloop';
const HUB_TOKEN = `crashloop-hub-token-${randomBytes(8).toString('hex')}`;


const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/** The value of an unlabelled series in Prometheus text, or undefined. */
function metricValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const startedAt = performance.now();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const minRunMs = options.minRunMs ?? 100;
  const maxRunMs = options.maxRunMs ?? 600;
  const relayKillEvery = options.relayKillEvery ?? 10;
  const progress = options.onProgress ?? (() => undefined);
  const dir = options.workDir;
  mkdirSync(join(dir, 'pty'), { recursive: true });
  const logs = { hub: join(dir, 'hub.log'), relay: join(dir, 'relay.log') };
  const cleanups: Array<() => Promise<unknown>> = [];

  try {
    // --- the relay's store: a scratch PostgreSQL database, or PGlite seeded from the migrated template
    let databaseUrl = '';
    if (options.postgresServerUrl) {
      const name = `carehub_crashloop_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = createPostgresDatabase({ connectionString: options.postgresServerUrl, max: 1 });
      await admin.exec(`CREATE DATABASE ${name}`);
      cleanups.push(async () => {
        await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.close();
      });
      const url = new URL(options.postgresServerUrl);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
    } else {
      // initdb inside WebAssembly costs 6-7 s (docs/architecture.md#toolchain-notes): start from the migrated template.
      // Dumped from the open copy, not read from the template file again: another test file with other
      // migrations may replace that file meanwhile.
      const template = await openMigratedPglite();
      const dump = await template.dumpDataDir();
      await template.close();
      const seeded = createPgliteDatabase({ dataDir: join(dir, 'relay', 'pglite'), loadDataDir: dump });
      await seeded.query('SELECT 1');
      await seeded.close();
    }

    const relayPort = await freePort(0, '127.0.0.1');
    const operatorKey = `crashloop-operator-${randomBytes(8).toString('hex')}`;
    const relayConfig = join(dir, 'cloud.json');
    writeFileSync(
      relayConfig,
      JSON.stringify({
        dataDir: join(dir, 'relay'),
        host: '127.0.0.1',
        port: relayPort,
        logLevel: 'warn',
        bootstrap: {
          orgs: [{ id: 'crashloop-home', name: 'Crash loop home', kind: 'nursing-home' }],
          hubs: [{ id: CRASHLOOP_HUB_ID, orgId: 'crashloop-home', tokenSha256: sha256Hex(HUB_TOKEN) }],
          apiKeys: [{ id: 'crashloop-operator', orgId: 'crashloop-home', role: 'operator', keySha256: sha256Hex(operatorKey) }],
        },
      }),
      { mode: 0o600 },
    );
    const relayStartMs: number[] = [];
    let relay: ChildService | null = null;
    const startRelay = async () => {
      const spawned = performance.now();
      const child = startService('cloud', ['start', '--config', relayConfig], logs.relay, { DATABASE_URL: databaseUrl });
      relay = child;
      await child.waitFor(/listening on (http:\/\/\S+)$/, 120_000).catch((err: Error) => Promise.reject(withLogTail(err, logs.relay)));
      relayStartMs.push(performance.now() - spawned);
      return child;
    };
    cleanups.push(async () => relay?.stop(5_000));
    const relayUrl = `http://127.0.0.1:${relayPort}`;
    await startRelay();

    // --- the hub and its devices
    const fleet = createDeviceFleet({
      buttons: options.buttons ?? 3,
      telemetryDevices: options.telemetryDevices ?? 3,
      callPoints: options.callPoints ?? 3,
      ptyDir: join(dir, 'pty'),
    });
    cleanups.push(() => fleet.close());
    const hubConfig = join(dir, 'hub.json');
    writeFileSync(
      hubConfig,
      JSON.stringify({
        hubId: CRASHLOOP_HUB_ID,
        dataDir: join(dir, 'hub-data'),
        logLevel: 'warn',
        panel: { host: '127.0.0.1', port: 0 },
        broker: { host: '127.0.0.1', port: 0 },
        // Short retries: a relay restarted mid-run is found again within a cycle.
        relay: { url: relayUrl, token: HUB_TOKEN, batchSize: 200, idleMs: 50, retryMinMs: 50, retryMaxMs: 500 },
        // A press may wait several cycles (seconds each on a loaded machine) for its PUBACK; past the
        // window a repeated seq is a new press by design (hub/call-dedup.ts), so the window outlasts the run.
        dedupWindowMs: 3_600_000,
        ...fleet.hubConfig(),
      }),
      { mode: 0o600 },
    );
    const hubStartMs: number[] = [];
    let hub: ChildService | null = null;
    cleanups.push(async () => hub?.stop(0));
    const startHub = async () => {
      await fleet.preparePty();
      const spawned = performance.now();
      const child = startService('hub', ['start', '--config', hubConfig], logs.hub);
      hub = child;
      const brokerPort = Number(await child.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/, 120_000).catch((err: Error) => Promise.reject(withLogTail(err, logs.hub))));
      hubStartMs.push(performance.now() - spawned);
      const panelUrl = await child.waitFor(/^Panel: (\S+)/, 1_000);
      return { child, brokerPort, panelUrl };
    };
    const kill = async (service: ChildService) => {
      service.child.kill('SIGKILL');
      await service.stop(0);
      if (service.child.signalCode !== 'SIGKILL') throw new Error(`a process meant to die by SIGKILL ended with ${service.child.exitCode}; see ${logs.hub}, ${logs.relay}`);
    };

    let relayKills = 0;
    let relayKillsWhileIngesting = 0;
    let relayRestart: Promise<unknown> | null = null;
    const cycleMs: number[] = [];
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const cycleStarted = performance.now();
      const running = await startHub();
      const attached = fleet.attach(running.brokerPort);
      const runMs = minRunMs + random() * (maxRunMs - minRunMs);
      const killRelay = relayKillEvery > 0 && cycle % relayKillEvery === 0;
      if (killRelay && relay) {
        await relayRestart; // the previous relay restart has finished
        await pause(runMs / 2);
        // Kill while batches flow: right after the relay's ingest counter moved, the next batch is on its way.
        const metricsUrl = `${relayUrl}/metrics`;
        const before = metricValue(await scrape(metricsUrl), 'carehub_ingest_batches_total');
        const deadline = Date.now() + 1_000;
        let moved = false;
        while (!moved && Date.now() < deadline) {
          moved = metricValue(await scrape(metricsUrl), 'carehub_ingest_batches_total') !== before;
          if (!moved) await pause(5);
        }
        await kill(relay);
        relayKills++;
        if (moved) relayKillsWhileIngesting++;
        relayRestart = startRelay();
        await pause(runMs / 2);
      } else {
        await pause(runMs);
      }
      await kill(running.child);
      await attached;
      await fleet.detach(false);
      cycleMs.push(performance.now() - cycleStarted);
      progress(`cycle ${cycle}/${options.cycles}: hub killed after ${Math.round(runMs)} ms${killRelay ? ', relay killed mid-run' : ''}; ${fleet.ledger().length} messages sent so far`);
    }
    await relayRestart;

    // --- the last start: load for a moment, then stop the devices and let the outbox drain
    const final = await startHub();
    await fleet.attach(final.brokerPort);
    await pause(maxRunMs);
    await fleet.detach(true);
    await waitForDrain(new URL('metrics', final.panelUrl).href, `${relayUrl}/metrics`);
    const hubExit = await final.child.stop(10_000);
    if (hubExit !== 0) throw new Error(`the last hub did not stop cleanly (exit ${hubExit}); see ${logs.hub}`);
    await relay!.stop(10_000);

    const stored = await readStoredEvents(databaseUrl ? createPostgresDatabase({ connectionString: databaseUrl, max: 1 }) : createPgliteDatabase({ dataDir: join(dir, 'relay', 'pglite') }));
    const verdict = compareCrashLoop(fleet.ledger(), stored);
    return {
      cycles: options.cycles,
      hubKills: options.cycles,
      relayKills,
      relayKillsWhileIngesting,
      verdict,
      hubStartMs,
      relayStartMs,
      cycleMs,
      sent: fleet.ledger().length,
      totalMs: performance.now() - startedAt,
      seed,
      logs,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** The error with the last lines of a process's log, which a test's folder removal would take with it. */
function withLogTail(err: Error, logFile: string): Error {
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    // no log yet
  }
  return new Error(`${err.message}\n--- last lines of ${logFile}:\n${tail}`, { cause: err });
}

/**
 * Until the hub's outbox is empty (its `outbox_backlog` gauge) and the relay has stored nothing new
 * for a second; where the hub names no backlog, relay quiet for three seconds. Bounded: past the
 * limit the comparison shows what did not arrive.
 */
async function waitForDrain(hubMetricsUrl: string, relayMetricsUrl: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  let lastStored: number | undefined;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const backlog = metricValue(await scrape(hubMetricsUrl), 'outbox_backlog');
    const stored = metricValue(await scrape(relayMetricsUrl), 'carehub_events_stored_total');
    if (stored !== lastStored) {
      lastStored = stored;
      quietSince = Date.now();
    }
    const quietMs = Date.now() - quietSince;
    if ((backlog === 0 && quietMs >= 1_000) || (backlog === undefined && quietMs >= 3_000)) return;
    await pause(100);
  }
}

/** The relay's events of the crash-loop hub, as the comparison reads them; closes the database. */
async function readStoredEvents(db: Database): Promise<StoredEvent[]> {
  try {
    const { rows } = await db.query<{ seq: string | number; kind: string; device_id: string | null; device_ms: string | number | null; device_seq: string | number | null; hub_ms: string | number }>(
      `SELECT seq, kind, device_id, round(extract(epoch FROM hub_time) * 1000)::bigint AS hub_ms,
              round(extract(epoch FROM device_time) * 1000)::bigint AS device_ms,
              (payload ->> 'deviceSeq')::int AS device_seq
         FROM events WHERE hub_id = $1`,
      [CRASHLOOP_HUB_ID],
    );
    return rows.map((r) => {
      // A call point's identity is its own seq; a telemetry message's is its device time (crashloop-devices.ts).
      const order = r.kind === 'call-point' ? r.device_seq : r.kind === 'reading' ? r.device_ms : null;
      return { seq: Number(r.seq), kind: r.kind, deviceId: r.device_id, order: order === null ? null : Number(order), hubTimeMs: Number(r.hub_ms) };
    });
  } finally {
    await db.close();
  }
}
