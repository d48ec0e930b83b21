/** The forwarder stamps each batch with the hub's clock now (X-Hub-Time), which the relay compares with its own (docs/relay-pressure.md#clock-skew). */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Forwarder } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';

t.test('X-Hub-Time is the hub clock when the batch is sent, not the time of its events', async (t) => {
  const stamps: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      stamps.push(req.headers['x-hub-time'] as string | undefined);
      res.writeHead(503, { 'retry-after': '1' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));

  const eventsAt = Date.parse('2026-03-01T08:00:00.000Z');
  const clock = new FakeClock(eventsAt);
  const store = createMemoryStore();
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock });
  await log.start();
  await log.append({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } });
  const outbox = new Outbox(store);
  await outbox.start();
  const forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: 'hub-token-0123456789',
    outbox,
    batchSize: 10,
    retryMinMs: 1_000,
    retryMaxMs: 1_000,
    idleMs: 60_000,
    clock,
    logger: createTestLogger('silent').logger,
    metrics: createMetrics(),
  });
  t.teardown(() => forwarder.stop());
  clock.advance(3 * 3_600_000); // the event waited three hours in the outbox
  forwarder.start();
  clock.advance(0);
  await eventually(() => stamps.length === 1, 'first batch at the relay');
  t.equal(stamps[0], new Date(eventsAt + 3 * 3_600_000).toISOString());
  await eventually(() => clock.pending === 1 && clock.pendingDelays[0] === 1_000, 'retry scheduled after Retry-After');
  clock.advance(1_000);
  await eventually(() => stamps.length === 2, 'the retry at the relay');
  t.equal(stamps[1], new Date(eventsAt + 3 * 3_600_000 + 1_000).toISOString(), 'a retry carries a fresh stamp');
});
