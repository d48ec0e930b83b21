/** /healthz says the process serves; /readyz says the store answers, and 503 when it does not (docs/rest-api.md). */
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/app.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';

t.test('readiness follows the store; liveness does not', async (t) => {
  const db = await openMigratedPglite();
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  const ready = await app.request('/readyz');
  t.equal(ready.status, 200);
  t.match(await ready.json(), { status: 'ready', store: 'pglite', latencyMs: Number });
  t.equal((await app.request('/healthz?verbose=1')).status, 400, 'an unknown parameter is refused, not ignored');

  await db.close();
  const down = await app.request('/readyz');
  t.equal(down.status, 503);
  t.match(down.headers.get('content-type'), /^application\/problem\+json/);
  t.match(await down.json(), { status: 503, detail: 'The store is unreachable' });
  const alive = await app.request('/healthz');
  t.equal(alive.status, 200, 'a store outage is not a reason to restart the process');
  t.same(await alive.json(), { status: 'ok', store: 'pglite' });
});
