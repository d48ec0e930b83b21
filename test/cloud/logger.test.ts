import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, urlForLog } from '../../cloud/logger.ts';

t.test('the relay logger redacts credentials and residents\' free text', async (t) => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger('info', sink);
  logger.info(
    {
      req: { method: 'POST', url: '/v1/ingest', headers: { authorization: 'Bearer HEADERTOKEN-1' } },
      token: 'TOPTOKEN-2',
      hub: { id: 'hub-1', token: 'HUBTOKEN-3' },
      key: { apiKey: 'APIKEY-4' },
      event: { residentName: 'Ada Example', note: 'fell near the bed' },
    },
    'request',
  );
  logger.child({ module: 'ingest' }).warn({ authorization: 'Bearer TOPAUTH-5' }, 'child');
  const out = chunks.join('');
  for (const secret of ['HEADERTOKEN-1', 'TOPTOKEN-2', 'HUBTOKEN-3', 'APIKEY-4', 'Ada Example', 'fell near the bed', 'TOPAUTH-5']) {
    t.notOk(out.includes(secret), `${secret} is not in the log`);
  }
  const [first] = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  t.match(first, { req: { url: '/v1/ingest', headers: { authorization: '[redacted]' } }, hub: { id: 'hub-1', token: '[redacted]' } });
});

t.test('urlForLog drops the database password', async (t) => {
  t.equal(urlForLog('postgres://relay:pgsecret@db.example:5432/carehub?sslmode=require'), 'postgres://db.example:5432/carehub?sslmode=redacted');
});
