/**
 * The relay side of bench/relay.ts, in its own process (as it runs in production, and so the load
 * generator's sockets and GC are not charged to the relay). The parent has migrated and provisioned
 * the database; this process only serves it.
 *
 * IPC: parent → { type: 'start', connectionString }   child → { type: 'ready', port }
 *      parent → { type: 'stop' }                       child → { type: 'stopped' } and exits
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { z } from 'zod';
import { createApp } from '../cloud/app.ts';
import { createPostgresDatabase } from '../cloud/store/postgres.ts';

const Message = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), connectionString: z.string().min(1) }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type RelayServerMessage = z.infer<typeof Message>;
export type RelayServerReply = { type: 'ready'; port: number } | { type: 'stopped' };

const reply = (m: RelayServerReply) => process.send!(m);
let stop: (() => Promise<void>) | undefined;

process.on('message', async (raw) => {
  const m = Message.parse(raw);
  if (m.type === 'start') {
    const db = createPostgresDatabase({ connectionString: m.connectionString, max: 10 });
    const app = createApp({ db, logger: pino({ level: 'silent' }), admission: { maxInFlight: 200, queueWaitMs: 30_000 }, access: { keyRequestsPerSecond: 0 } });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        reply({ type: 'ready', port: info.port });
        resolve(s);
      });
    });
    stop = async () => {
      await new Promise((r) => server.close(r));
      await db.close();
    };
  } else {
    await stop?.();
    reply({ type: 'stopped' });
    // process.exit flushes --cpu-prof; the IPC channel would otherwise keep the process alive.
    process.disconnect();
    process.exit(0);
  }
});
