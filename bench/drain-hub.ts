/**
 * The hub side of bench/drain.ts, in its own process so its RSS is the hub's alone. Two modes,
 * chosen by the parent's first IPC message:
 * - `fill`: forwards one reading while the link is up (so the outbox knows the relay answers
 *   ranges, as a hub that was online before an outage does), then writes `events` readings
 *   through the EventLog (the hub's own write path) and exits;
 * - `drain`: opens that outbox and forwards it to `relayUrl` with the hub's Outbox and Forwarder
 *   (hub defaults for batch size and backoff), raises an alarm when told to, samples RSS every
 *   50 ms, and reports when the outbox is empty.
 */
import { pino } from 'pino';
import { z } from 'zod';
import { systemClock } from '../hub/clock.ts';
import { Forwarder } from '../hub/forwarder.ts';
import { createMetrics } from '../hub/metrics.ts';
import { EventLog } from '../hub/store/event-log.ts';
import { createLevelStore } from '../hub/store/level-store.ts';
import { Outbox } from '../hub/store/outbox.ts';
import { uuidv7 } from '../protocols/uuidv7.ts';

const Command = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('fill'), dataDir: z.string(), hubId: z.string(), token: z.string(), relayUrl: z.string(), events: z.number().int().min(1) }),
  z.object({ cmd: z.literal('drain'), dataDir: z.string(), hubId: z.string(), token: z.string(), relayUrl: z.string(), batchSize: z.number().int().min(1).max(1000) }),
  z.object({ cmd: z.literal('alarm'), tag: z.string() }),
]);
type Command = z.infer<typeof Command>;

/** Readings written per group of concurrent appends: enough to fill group-commit batches, bounded memory. */
const FILL_WINDOW = 5_000;
const RSS_SAMPLE_MS = 50;

const send = (message: unknown) => process.send?.(message);
let alarm: ((tag: string) => Promise<void>) | null = null;

process.on('message', (raw) => {
  const parsed = Command.safeParse(raw);
  if (!parsed.success) {
    send({ error: `bad command: ${parsed.error.message}` });
    return;
  }
  run(parsed.data).catch((err: Error) => {
    send({ error: err.stack ?? err.message });
    process.exit(1);
  });
});

async function run(command: Command): Promise<void> {
  if (command.cmd === 'fill') return fill(command);
  if (command.cmd === 'drain') return drain(command);
  if (!alarm) throw new Error('alarm before drain');
  await alarm(command.tag);
}

const reading = (i: number) =>
  ({ kind: 'reading', deviceId: `ox-${i % 200}`, roomId: `room-${i % 100}`, payload: { metric: 'spo2', loinc: '59408-5', value: 90 + (i % 10), unit: '%' } }) as const;

async function fill({ dataDir, hubId, token, relayUrl, events }: Extract<Command, { cmd: 'fill' }>): Promise<void> {
  const store = createLevelStore(dataDir);
  await store.open();
  let outbox: Outbox | null = null;
  const log = new EventLog({ hubId, store, clock: systemClock, onDurable: (written) => outbox?.written(written) });
  await log.start();
  outbox = new Outbox(store, () => log.forwardableSeq);
  await outbox.start();
  const online = new Forwarder({ hubId, relayUrl, token, outbox, batchSize: 1, retryMinMs: 100, retryMaxMs: 1000, idleMs: 10, clock: systemClock, logger: pino({ level: 'error' }), metrics: createMetrics() });
  online.start();
  await log.append(reading(-1));
  while (outbox.ackedSeq < 1) await new Promise((r) => setTimeout(r, 10));
  await online.stop();
  const started = performance.now();
  for (let i = 0; i < events; i += FILL_WINDOW) {
    const window: Array<Promise<unknown>> = [];
    for (let j = i; j < Math.min(events, i + FILL_WINDOW); j++) window.push(log.append(reading(j)));
    await Promise.all(window);
  }
  const seconds = (performance.now() - started) / 1000;
  await log.stop();
  await store.close();
  send({ filled: events, seconds });
  process.exit(0);
}

async function drain({ dataDir, hubId, token, relayUrl, batchSize }: Extract<Command, { cmd: 'drain' }>): Promise<void> {
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), RSS_SAMPLE_MS);
  const store = createLevelStore(dataDir);
  await store.open();
  let forwarder: Forwarder | null = null;
  let outbox: Outbox | null = null;
  const log = new EventLog({ hubId, store, clock: systemClock, onForwardable: () => forwarder?.notify(), onDurable: (events) => outbox?.written(events) });
  await log.start();
  outbox = new Outbox(store, () => log.forwardableSeq);
  await outbox.start();
  const metrics = createMetrics();
  // The hub's defaults (hub/config.ts relay.*), so the backoff after the outage is the real one.
  forwarder = new Forwarder({ hubId, relayUrl, token, outbox, batchSize, retryMinMs: 1000, retryMaxMs: 60_000, idleMs: 5000, clock: systemClock, logger: pino({ level: 'error' }), metrics });
  const box = outbox;
  alarm = async (tag) => {
    const event = await log.append({
      kind: 'alarm',
      roomId: 'room-1',
      payload: { alarmId: uuidv7(Date.now(), crypto.getRandomValues(new Uint8Array(10))), key: `bench:${tag}`, type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: `bench ${tag}` },
    });
    send({ alarmed: tag, id: event.id, seq: event.seq });
  };
  const depth = box.stats().lanes.telemetry.depth;
  forwarder.start();
  send({ ready: true, depth, rss: process.memoryUsage.rss() });
  // Done when every event written so far is acknowledged and deleted.
  const watch = setInterval(() => {
    const lanes = box.stats().lanes;
    send({ progress: lanes.telemetry.depth + lanes.critical.depth, link: forwarder!.linkState().state });
    if (lanes.telemetry.depth + lanes.critical.depth === 0 && box.ackedSeq === log.seq) {
      clearInterval(watch);
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      void (async () => {
        await forwarder!.stop();
        await log.stop();
        await store.close();
        send({ drained: true, peakRss, failures: metrics.get('forward_failures_total', { reason: 'network' }) });
        process.exit(0);
      })();
    }
  }, 20);
}
