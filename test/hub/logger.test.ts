import { Writable } from 'node:stream';
import t from 'tap';
import { createHub } from '../../hub/main.ts';
import { createLogger, urlForLog } from '../../hub/logger.ts';
import { hubConfig } from './support.ts';

/** The real hub logger, writing into memory: what would reach the log file. */
function realLogger(level = 'info') {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger(level, sink), text: () => chunks.join(''), records: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

t.test('secrets and residents\' free text are redacted, at the top level and one down', async (t) => {
  const { logger, text, records } = realLogger();
  logger.info(
    {
      token: 'TOPTOKEN-1',
      password: 'TOPPASSWORD-2',
      relay: { url: 'https://relay.example.org', token: 'RELAYTOKEN-3' },
      device: { id: 'btn-102', password: 'DEVICEPASSWORD-4', pin: '481516' },
      alarm: { roomId: 'room-101', residentName: 'Ada Example', note: 'fell near the bed' },
      req: { authorization: 'Bearer AUTHTOKEN-5' },
    },
    'something happened',
  );
  logger.child({ module: 'panel' }).warn({ staff: { pin: '234234' }, note: 'TOPNOTE-6' }, 'child logger');
  const out = text();
  for (const secret of ['TOPTOKEN-1', 'TOPPASSWORD-2', 'RELAYTOKEN-3', 'DEVICEPASSWORD-4', '481516', 'Ada Example', 'fell near the bed', 'AUTHTOKEN-5', '234234', 'TOPNOTE-6']) {
    t.notOk(out.includes(secret), `${secret} is not in the log`);
  }
  const [first, second] = records();
  t.match(first, { token: '[redacted]', relay: { url: 'https://relay.example.org', token: '[redacted]' }, device: { id: 'btn-102', pin: '[redacted]' }, alarm: { roomId: 'room-101', residentName: '[redacted]' } });
  t.match(second, { module: 'panel', staff: { pin: '[redacted]' }, note: '[redacted]' });
});

t.test('urlForLog drops credentials and query values', async (t) => {
  t.equal(urlForLog('https://hub:hunter2@relay.example.org:8443/base?token=abc&x=1&x=2'), 'https://relay.example.org:8443/base?token=redacted&x=redacted');
  t.equal(urlForLog('http://127.0.0.1:8787/'), 'http://127.0.0.1:8787/');
  t.equal(urlForLog('not a url hunter2'), '[unparseable url]');
});

t.test('"hub started" logs the relay URL without its query token', async (t) => {
  const { logger, text, records } = realLogger();
  const hub = createHub(
    hubConfig({
      dataDir: t.testdir(),
      receivers: [],
      devices: [],
      // Nothing listens on port 9: the forwarder only retries.
      relay: { url: 'http://127.0.0.1:9/?access_token=QUERYSECRET', token: 'HUBTOKEN-of-enough-length' },
    }),
    { logger },
  );
  await hub.start();
  await hub.stop();
  const started = records().find((r) => r.msg === 'hub started');
  t.match(started, { relay: 'http://127.0.0.1:9/?access_token=redacted' });
  t.notOk(text().includes('QUERYSECRET'), 'the query token is in no log line');
  t.notOk(text().includes('HUBTOKEN'), 'nor the bearer token');
});
