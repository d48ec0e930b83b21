/**
 * A throwaway aedes broker on loopback for `npm run sim` without `--hub-broker`
 * (docs/firmware-sim.md#load-mode): it accepts every client and counts what they publish, so the
 * simulators can be run and measured with no hub. aedes 1.x: async factory, MQTT 3.1.1.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface LocalBroker {
  readonly url: string;
  /** Client publishes the broker received. */
  readonly received: number;
  close(): Promise<void>;
}

export async function startLocalBroker(port = 0): Promise<LocalBroker> {
  const broker = await Aedes.createBroker();
  let received = 0;
  broker.on('publish', (_packet, client) => {
    if (client) received++;
  });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get received() {
      return received;
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
