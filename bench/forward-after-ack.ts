/**
 * npm run bench:forward-after-ack — how soon the relay has what the panel did.
 * A hub (LevelDB, aedes, production retry and idle settings) forwards to a
 * relay in its own process (PGlite, or PostgreSQL when DATABASE_URL is set).
 * Each round: a call over MQTT raises an alarm, the panel acknowledges it,
 * then resolves it (through the hub's AlarmService, as the panel's handlers
 * do), and the next round's call is the new alarm after the resolve. Measured:
 * from each action until the relay has stored the event it made (its answer
 * to the batch, seen by a pass-through in front of it). Also printed: events
 * posted more than once, forwarding failures, and the outbox backlog.
 *
 * Env: BENCH_ROUNDS (50); BENCH_GAP_MS (0), a pause between the steps, as a
 * nurse would leave; BENCH_VERBOSE=1 prints each round; DATABASE_URL to run against a PostgreSQL database made
 * for the run (it is filled; drop it after).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { startService } from '../firmware-sim/processes.ts';
import { HubConfig } from '../hub/config.ts';
import { createHub, type Hub } from '../hub/main.ts';
import { sha256Hex } from '../hub/secrets.ts';
import { deviceTopic } from '../protocols/mqtt-topics.ts';
import { formatSummary, summarise } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 0);
/** A stalled forwarder shows as a timeout here rather than a hang. */
const LIMIT_MS = 120_000;
const say = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or an error naming `what` after LIMIT_MS: the benchmark fails, it does not hang. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${LIMIT_MS} ms`)), LIMIT_MS);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

interface RelayTap {
  url: string;
  /** times each seq was posted, keyed by seq */
  sent: Map<number, number>;
  /** seqs the relay answered 200 for */
  stored: Set<number>;
  close(): Promise<void>;
}

/**
 * A pass-through in front of the relay that notes which seqs were posted and
 * which the relay stored (answered 200 for), so the latency is measured to the
 * relay's commit, not to the hub's bookkeeping of the acknowledgement.
 */
async function relayTap(relayUrl: string): Promise<RelayTap> {
  const sent = new Map<number, number>();
  const stored = new Set<number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async function passOn() {
      const body = Buffer.concat(chunks);
      let seqs: number[] = [];
      try {
        seqs = (JSON.parse(body.toString('utf8')) as { events: Array<{ seq: number }> }).events.map((e) => e.seq);
      } catch {
        // not a batch: passed on as it is
      }
      for (const seq of seqs) sent.set(seq, (sent.get(seq) ?? 0) + 1);
      try {
        const answer = await fetch(new URL(req.url ?? '/', relayUrl), {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' },
          body,
        });
        const text = await answer.text();
        if (answer.status === 200) for (const seq of seqs) stored.add(seq);
        const retryAfter = answer.headers.get('retry-after');
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain', ...(retryAfter && { 'retry-after': retryAfter }) });
        res.end(text);
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    stored,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 65_535) throw new Error('BENCH_ROUNDS: expected a whole number from 1 to 65535 (a call point seq)');
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-forward-after-ack-'));
  const hubId = 'bench-hub-ack';
  const token = randomBytes(24).toString('base64url');
  const buttonPassword = randomBytes(16).toString('base64url');
  writeFileSync(
    join(dir, 'cloud.json'),
    JSON.stringify({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'cloud'),
      logLevel: 'warn',
      bootstrap: { orgs: [{ id: 'bench', name: 'Bench', kind: 'nursing-home' }], hubs: [{ id: hubId, orgId: 'bench', tokenSha256: sha256Hex(token) }] },
    }),
  );
  const relay = startService('cloud', ['start', '--config', join(dir, 'cloud.json')], join(dir, 'cloud.log'));
  let hub: Hub | null = null;
  let tap: RelayTap | null = null;
  let client: mqtt.MqttClient | null = null;
  try {
    const relayUrl = await relay.waitFor(/listening on (\S+)/, 120_000);
    tap = await relayTap(relayUrl);
    hub = createHub(
      HubConfig.parse({
        hubId,
        dataDir: join(dir, 'hub'),
        logLevel: 'warn',
        panel: { host: '127.0.0.1', port: 0 },
        broker: { host: '127.0.0.1', port: 0 },
        relay: { url: tap.url, token }, // retry and idle at their defaults: a stall would cost seconds
        rooms: [{ id: 'room-102', name: 'Room 102' }],
        devices: [{ id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex(buttonPassword) } }],
      }),
      { logger: pino({ level: 'warn' }) },
    );
    const { brokerPort } = await hub.start();
    client = await within(
      mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
        clientId: 'btn-102',
        username: 'btn-102',
        password: buttonPassword,
        protocolVersion: 4, // aedes speaks MQTT 3.1.1 only
        reconnectPeriod: 0,
      }),
      'MQTT login',
    );
    say(
      `carehub forward-after-ack benchmark: ${ROUNDS} rounds of call → acknowledge → resolve, gap ${GAP_MS} ms, hub (LevelDB) → relay (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, own process)`,
    );
    const h = hub;
    const c = client;
    const t = tap;
    /** Resolves once the relay has stored the last event the hub has written so far. */
    const atRelay = async (what: string) => {
      const target = h.log.seq;
      const deadline = performance.now() + LIMIT_MS;
      while (!t.stored.has(target)) {
        if (performance.now() > deadline) throw new Error(`${what}: not at the relay after ${LIMIT_MS} ms`);
        await sleep(1);
      }
    };
    const raised: number[] = [];
    const acked: number[] = [];
    const resolved: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let t0 = performance.now();
      const open = new Promise<string>((resolve) => {
        const off = h.alarms.onChange((alarm) => {
          if (alarm.state === 'active') {
            off();
            resolve(alarm.id);
          }
        });
      });
      await within(c.publishAsync(deviceTopic('btn-102', 'call'), JSON.stringify({ event: 'call', seq: round }), { qos: 1 }), `round ${round}: call published`);
      const alarmId = await within(open, `round ${round}: alarm raised`);
      await atRelay(`round ${round}: new alarm`);
      raised.push(performance.now() - t0);
      await sleep(GAP_MS);

      t0 = performance.now();
      await h.alarms.acknowledge(alarmId, { kind: 'panel', id: 'bench-nurse' });
      await atRelay(`round ${round}: acknowledge`);
      acked.push(performance.now() - t0);
      await sleep(GAP_MS);

      t0 = performance.now();
      await h.alarms.resolve(alarmId, { kind: 'panel', id: 'bench-nurse' });
      await atRelay(`round ${round}: resolve`);
      resolved.push(performance.now() - t0);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`round ${round} done\n`);
      await sleep(GAP_MS);
    }
    say(formatSummary('acknowledge → at the relay', summarise(acked)));
    say(formatSummary('resolve → at the relay', summarise(resolved)));
    say(formatSummary('new alarm (call) → at the relay', summarise(raised)));
    // The hub deletes on the relay's answer a moment after the relay stored the batch; give it a moment, not forever.
    const settle = performance.now() + 10_000;
    while (h.outbox.ackedSeq < h.log.seq && performance.now() < settle) await sleep(5);
    const failures = [...h.metrics.render().matchAll(/^carehub_hub_forward_failures_total\{reason="([^"]+)"\} (\d+)$/gm)]
      .filter((m) => m[2] !== '0')
      .map((m) => `${m[1]}=${m[2]}`);
    const backlog = /^carehub_hub_outbox_backlog (\d+)$/m.exec(h.metrics.render())?.[1];
    const resent = [...t.sent.values()].reduce((sum, n) => sum + n - 1, 0);
    say(`events sent more than once: ${resent}; forward failures: ${failures.length > 0 ? failures.join(', ') : 'none'}; outbox backlog at the end: ${backlog}`);
  } finally {
    await client?.endAsync();
    await hub?.stop();
    await tap?.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
