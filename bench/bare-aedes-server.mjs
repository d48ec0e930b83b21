// The baseline of bench/memory.ts: a bare aedes broker (defaults: in-memory persistence, no
// authentication) in plain JavaScript, so its RSS holds no TypeScript loader, as the built hub holds
// none. Prints "MQTT: mqtt://127.0.0.1:<port>" when listening; SIGTERM stops it.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1', () => process.stdout.write(`MQTT: mqtt://127.0.0.1:${server.address().port}\n`));
process.once('SIGTERM', () => broker.close(() => server.close(() => process.exit(0))));
