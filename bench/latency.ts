/**
 * npm run bench:latency — call-frame write at the serial device end → alarm
 * event received by a panel SSE client, with the hub as its own process (as in
 * production) and firmware-sim streaming MQTT telemetry into it.
 *
 * Phases, in one run: a baseline with no telemetry, then the measured load:
 * 1,000 frames one every 20 ms while 2,000 readings/s arrive over MQTT.
 * Each frame comes from a different call point, so each raises a new alarm.
 *
 * Env: BENCH_FRAMES (1000), BENCH_BASELINE_FRAMES (200), BENCH_RATE (2000), BENCH_INTERVAL_MS (20).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSerialportBinding } from '../drivers/serial/serialport-binding.ts';
import { createCallReceiverSim } from '../firmware-sim/call-receiver-sim.ts';
import { startService } from '../firmware-sim/processes.ts';
import { createPtyPair } from '../firmware-sim/pty.ts';
import { createTelemetrySim, type TelemetrySimCounts } from '../firmware-sim/telemetry-sim.ts';
import { connectSse } from '../test/support/sse-client.ts';
import { staffCookie, TEST_STAFF } from '../test/support/panel-auth.ts';
import { formatSummary, summarise } from './stats.ts';
import { sha256Hex } from '../hub/secrets.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 1000);
const BASELINE_FRAMES = Number(process.env.BENCH_BASELINE_FRAMES ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 20);
const TELEMETRY_DEVICES = 20;
const say = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-'));
  const pty = await createPtyPair();
  const callPoints = BASELINE_FRAMES + FRAMES;
  const config = {
    hubId: 'bench-hub',
    dataDir: join(dir, 'hub'),
    logLevel: 'warn',
    panel: { host: '127.0.0.1', port: 0 },
    // Every simulated monitor connects from 127.0.0.1 at once; real devices each have their own address.
    broker: { host: '127.0.0.1', port: 0, maxPendingPerAddress: TELEMETRY_DEVICES + 10 },
    rooms: Array.from({ length: callPoints }, (_, i) => ({ id: `room-${i + 1}`, name: `Room ${i + 1}` })),
    receivers: [{ id: 'rx', path: pty.hubPath, address: 1 }],
    devices: [
      ...Array.from({ length: callPoints }, (_, i) => ({ id: `cp-${i + 1}`, roomId: `room-${i + 1}`, callPoint: { receiver: 'rx', address: i + 1 } })),
      ...Array.from({ length: TELEMETRY_DEVICES }, (_, i) => ({
        id: `vm-${i + 1}`,
        roomId: `room-${i + 1}`,
        mqtt: { passwordSha256: sha256Hex(`pw-${i + 1}`) },
      })),
    ],
    staff: [TEST_STAFF],
  };
  writeFileSync(join(dir, 'hub.json'), JSON.stringify(config));
  const hub = startService('hub', ['start', '--config', join(dir, 'hub.json')], join(dir, 'hub.log'));
  try {
    const panelUrl = await hub.waitFor(/^Panel: (\S+)/);
    const brokerPort = Number(await hub.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/));
    const sse = await connectSse(new URL('api/stream', panelUrl).href, await staffCookie(panelUrl));
    await sse.next((m) => m.event === 'snapshot');
    const sim = createCallReceiverSim({ binding: createSerialportBinding(), path: pty.devicePath, receiver: 1 });
    await sim.open();
    await new Promise((r) => setTimeout(r, 500)); // let the hub's driver finish opening its end

    /** write time (performance.now) of each call point's frame, keyed by device id */
    const sentAt = new Map<string, number>();
    const latencies = new Map<string, number>();
    sse.onMessage((m) => {
      if (m.event !== 'alarm') return;
      const now = performance.now();
      const alarm = JSON.parse(m.data) as { deviceId?: string; state: string };
      const t0 = alarm.deviceId ? sentAt.get(alarm.deviceId) : undefined;
      if (t0 !== undefined && alarm.state === 'active' && !latencies.has(alarm.deviceId!)) latencies.set(alarm.deviceId!, now - t0);
    });

    async function phase(first: number, count: number): Promise<number[]> {
      for (let i = 0; i < count; i++) {
        const cp = first + i;
        const due = performance.now() + INTERVAL_MS;
        sentAt.set(`cp-${cp}`, performance.now());
        await sim.press(cp, 'call');
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const deadline = performance.now() + 10_000;
      const ids = Array.from({ length: count }, (_, i) => `cp-${first + i}`);
      while (ids.some((id) => !latencies.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const missing = ids.filter((id) => !latencies.has(id)).length;
      if (missing > 0) say(`WARNING: ${missing} of ${count} calls never reached the panel within 10 s`);
      return ids.flatMap((id) => (latencies.has(id) ? [latencies.get(id)!] : []));
    }

    say(`carehub latency benchmark: serial frame write → panel SSE alarm (hub in its own process, ${INTERVAL_MS} ms between frames)`);
    const baseline = summarise(await phase(1, BASELINE_FRAMES));
    say(formatSummary('baseline (no telemetry)', baseline));

    const telemetry = createTelemetrySim({
      url: `mqtt://127.0.0.1:${brokerPort}`,
      devices: Array.from({ length: TELEMETRY_DEVICES }, (_, i) => ({ deviceId: `vm-${i + 1}`, password: `pw-${i + 1}` })),
      ratePerSecond: RATE,
      qos: 0,
    });
    await telemetry.start();
    await new Promise((r) => setTimeout(r, 1000)); // reach the steady rate before measuring
    const loadedSamples = await phase(BASELINE_FRAMES + 1, FRAMES);
    const counts: TelemetrySimCounts = await telemetry.stop();
    const loaded = summarise(loadedSamples);
    say(formatSummary(`under ${RATE} readings/s MQTT`, loaded));
    say(
      `telemetry: sent ${counts.sent} in ${(counts.elapsedMs / 1000).toFixed(1)} s = ${Math.round(counts.sent / (counts.elapsedMs / 1000))}/s, ` +
        `dropped by generator ${counts.dropped}, failed ${counts.failed}`,
    );
    const metrics = await (await fetch(new URL('metrics', panelUrl))).text();
    const stored = /carehub_hub_inputs_total\{kind="reading",via="mqtt"\} (\d+)/.exec(metrics)?.[1] ?? '0';
    say(`hub stored ${stored} readings; ratio loaded/baseline: p50 ×${(loaded.p50 / baseline.p50).toFixed(2)}, p99 ×${(loaded.p99 / baseline.p99).toFixed(2)}`);
    sse.close();
    await sim.close();
  } finally {
    await hub.stop();
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
