// Load mode against an aedes broker on loopback (docs/firmware-sim.md#load-mode): every resident's
// oximeter and button publish under their own device topics with valid payloads, at the rate asked.
import t from 'tap';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { CallMessage, TelemetryMessage, parseDeviceTopic, parseJsonPayload } from '../../protocols/mqtt-topics.ts';
import { loadDeviceIds, runLoad, type LoadProgress } from '../../firmware-sim/load.ts';
import { eventually } from '../fakes/wait.ts';

t.test('N residents: telemetry at the rate, staggered presses, a summary that adds up', async (t) => {
  const published: Array<{ clientId: string; packet: AedesPublishPacket }> = [];
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => done(null, username === client.id && password?.toString() === 'pw'),
  });
  broker.on('publish', (packet, client) => {
    if (client) published.push({ clientId: client.id, packet });
  });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const progress: LoadProgress[] = [];
  const summary = await runLoad({
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    residents: 4,
    durationMs: 2_000,
    password: 'pw',
    telemetryHz: 5,
    pressEveryMs: 1_000,
    progressEveryMs: 500,
    onProgress: (p) => progress.push(p),
  });
  // 4 residents × 5 samples/s × 2 s × 2 messages; each button pressed at its offset and 1 s later (and at 2 s for the first).
  t.equal(summary.telemetrySent, 80);
  t.ok(summary.callsSent >= 8 && summary.callsSent <= 9, `calls ${summary.callsSent}`);
  t.equal(summary.failed, 0);
  t.equal(summary.acked, summary.telemetrySent + summary.callsSent);
  t.equal(summary.clients, 8);
  t.ok(progress.length >= 3, 'progress reported while running');
  await eventually(() => published.length === summary.acked, 'everything at the broker');
  const ids = new Set(loadDeviceIds(4));
  for (const { clientId, packet } of published) {
    const topic = parseDeviceTopic(packet.topic);
    t.equal(topic?.deviceId, clientId, 'each device publishes under its own topic');
    t.ok(ids.has(clientId));
    const body = topic!.channel === 'call' ? parseJsonPayload(CallMessage, packet.payload as Buffer) : parseJsonPayload(TelemetryMessage, packet.payload as Buffer);
    if (!body.ok) t.fail(body.message);
  }
  const calls = published.filter((p) => p.packet.topic.endsWith('/call')).map((p) => [p.clientId, JSON.parse(p.packet.payload.toString()).event]);
  t.same(
    calls.filter(([id]) => id === 'load-2-button').map(([, e]) => e),
    ['call', 'cancel'],
    'a button calls, then cancels',
  );
  t.ok(Math.abs(summary.messagesPerSecond - (summary.telemetrySent + summary.callsSent) / (summary.elapsedMs / 1000)) < 0.01);
});
