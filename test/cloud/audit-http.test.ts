/**
 * GET /v1/audit (docs/audit.md): the auditor role reads its own organisation's chain, newest
 * first, cursor-paged; other roles get 403; another organisation's auditor never sees it.
 */
import t from 'tap';
import { pino } from 'pino';
import { appendAudit } from '../../cloud/audit/append.ts';
import { createApp } from '../../cloud/main.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await applyBootstrap(db, {
  orgs: [
    { id: 'home-a', name: 'Home A', kind: 'care-home' },
    { id: 'home-b', name: 'Home B', kind: 'care-home' },
  ],
  hubs: [],
  apiKeys: [
    { id: 'aud-a', orgId: 'home-a', role: 'auditor', keySha256: sha256Hex('auditor-a') },
    { id: 'op-a', orgId: 'home-a', role: 'operator', keySha256: sha256Hex('operator-a') },
    { id: 'aud-b', orgId: 'home-b', role: 'auditor', keySha256: sha256Hex('auditor-b') },
  ],
});
for (let i = 1; i <= 5; i++) {
  await db.transaction((tx) =>
    appendAudit(tx, { orgId: 'home-a', actor: { kind: 'api-key', id: 'op-a', orgId: 'home-a' }, action: i % 2 ? 'alarm.write' : 'api-key.create', targetType: 'x', targetId: `t${i}` }),
  );
}
const app = createApp({ db, logger: pino({ level: 'silent' }) });
const get = (path: string, key: string) => app.request(path, { headers: { authorization: `Bearer ${key}` } });

t.test('the auditor pages through its chain, newest first', async (t) => {
  const first = await get('/v1/audit?limit=2', 'auditor-a');
  t.equal(first.status, 200);
  const page1 = (await first.json()) as { items: Array<{ seq: number; hash: string; prevHash: string }>; nextCursor: string | null };
  t.same(page1.items.map((e) => e.seq), [5, 4]);
  t.equal(page1.items[0]!.prevHash, page1.items[1]!.hash, 'each entry carries the previous hash');
  const page2 = (await (await get(`/v1/audit?limit=2&cursor=${page1.nextCursor}`, 'auditor-a')).json()) as typeof page1;
  t.same(page2.items.map((e) => e.seq), [3, 2]);
  const page3 = (await (await get(`/v1/audit?limit=2&cursor=${page2.nextCursor}`, 'auditor-a')).json()) as typeof page1;
  t.same(page3.items.map((e) => e.seq), [1]);
  t.equal(page3.nextCursor, null);
  const filtered = (await (await get('/v1/audit?action=api-key.create', 'auditor-a')).json()) as typeof page1;
  t.same(filtered.items.map((e) => e.seq), [4, 2]);
});

t.test('other roles are refused; another organisation sees only its own (empty) chain', async (t) => {
  t.equal((await get('/v1/audit', 'operator-a')).status, 403);
  const other = await get('/v1/audit', 'auditor-b');
  t.equal(other.status, 200);
  t.same(await other.json(), { items: [], nextCursor: null });
});

t.test('a cursor this API did not give out is a 400 problem', async (t) => {
  const res = await get('/v1/audit?cursor=bm9wZQ', 'auditor-a');
  t.equal(res.status, 400);
  t.match(res.headers.get('content-type'), /application\/problem\+json/);
});
