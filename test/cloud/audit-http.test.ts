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
// Provisioning already audited the keys it created; the entries below follow them in the chain.
const base = Number((await db.query<{ last_seq: number }>(`SELECT last_seq FROM audit_heads WHERE org_id = 'home-a'`)).rows[0]?.last_seq ?? 0);
for (let i = 1; i <= 5; i++) {
  await db.transaction((tx) =>
    appendAudit(tx, { orgId: 'home-a', actor: { kind: 'api-key', id: 'op-a', orgId: 'home-a' }, action: i % 2 ? 'walk.odd' : 'walk.even', targetType: 'x', targetId: `t${i}` }),
  );
}
const app = createApp({ db, logger: pino({ level: 'silent' }) });
const get = (path: string, key: string) => app.request(path, { headers: { authorization: `Bearer ${key}` } });

t.test('the auditor pages through its chain, newest first', async (t) => {
  const first = await get('/v1/audit?limit=2', 'auditor-a');
  t.equal(first.status, 200);
  const page1 = (await first.json()) as { items: Array<{ seq: number; hash: string; prevHash: string }>; nextCursor: string | null };
  t.same(page1.items.map((e) => e.seq), [base + 5, base + 4]);
  t.equal(page1.items[0]!.prevHash, page1.items[1]!.hash, 'each entry carries the previous hash');
  const page2 = (await (await get(`/v1/audit?limit=2&cursor=${page1.nextCursor}`, 'auditor-a')).json()) as typeof page1;
  t.same(page2.items.map((e) => e.seq), [base + 3, base + 2]);
  const seen = [...page1.items, ...page2.items].map((e) => e.seq);
  let cursor = page2.nextCursor;
  while (cursor !== null) {
    const page = (await (await get(`/v1/audit?limit=2&cursor=${cursor}`, 'auditor-a')).json()) as typeof page1;
    seen.push(...page.items.map((e) => e.seq));
    cursor = page.nextCursor;
  }
  t.same(seen, Array.from({ length: base + 5 }, (_, i) => base + 5 - i), 'every entry once, down to seq 1, then nextCursor null');
  const filtered = (await (await get('/v1/audit?action=walk.even', 'auditor-a')).json()) as typeof page1;
  t.same(filtered.items.map((e) => e.seq), [base + 4, base + 2]);
});

t.test('other roles are refused; another organisation sees only its own chain', async (t) => {
  t.equal((await get('/v1/audit', 'operator-a')).status, 403);
  const other = await get('/v1/audit', 'auditor-b');
  t.equal(other.status, 200);
  const text = await other.text();
  t.notMatch(text, /home-a|op-a|aud-a/, "nothing of home-a's chain");
  t.ok((JSON.parse(text) as { items: unknown[] }).items.length < base + 5);
});

t.test('a cursor this API did not give out is a 400 problem', async (t) => {
  const res = await get('/v1/audit?cursor=bm9wZQ', 'auditor-a');
  t.equal(res.status, 400);
  t.match(res.headers.get('content-type'), /application\/problem\+json/);
});
