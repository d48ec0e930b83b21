/** idPagedResourceType (cloud/fhir/id-paged.ts): read by id, pages in id order with a keyset cursor. */
import t from 'tap';
import { idPagedResourceType } from '../../../cloud/fhir/id-paged.ts';
import type { ScopedDb } from '../../../cloud/tenancy/context.ts';

const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];

/** A database of three rows that answers the SQL's id condition, cursor and limit like PostgreSQL would. */
function fakeDb(seen: Array<{ sql: string; params: unknown[] }>): ScopedDb {
  return {
    caller: { orgId: 'o', orgKind: 'care-home', role: 'clinician', keyId: 'k' },
    raw: undefined as never,
    async query<T>(sql: string, params: unknown[] = []) {
      seen.push({ sql, params });
      let rows = ids.map((id) => ({ id }));
      if (/x\.id = \$1$/.test(sql)) rows = rows.filter((r) => r.id === params[0]);
      else {
        const after = params[0] as string | null;
        rows = rows.filter((r) => after === null || r.id > after).slice(0, params[1] as number);
      }
      return { rows: rows as T[], rowCount: rows.length } as never;
    },
  } as ScopedDb;
}

const type = idPagedResourceType<{ id: string }>('Thing', 'SELECT x.id FROM things x WHERE x.org = $org', 'x.id', (r) => ({ resourceType: 'Thing', id: r.id }));

t.test('read: a non-UUID id is not found without a query; a UUID is looked up by the id column', async (t) => {
  const seen: Array<{ sql: string; params: unknown[] }> = [];
  const db = fakeDb(seen);
  t.equal(await type.read(db, 'not-a-uuid'), undefined);
  t.equal(seen.length, 0, 'no query for a malformed id');
  t.same(await type.read(db, ids[1]!), { resourceType: 'Thing', id: ids[1] });
  t.match(seen[0]!.sql, /WHERE x\.org = \$org AND x\.id = \$1$/);
});

t.test('search: pages of `count` in id order; the next cursor continues after the last id; the last page has none', async (t) => {
  const seen: Array<{ sql: string; params: unknown[] }> = [];
  const db = fakeDb(seen);
  const first = await type.search(db, { params: new Map(), count: 2, sort: undefined, cursor: undefined });
  t.same(first.resources.map((r) => r.id), ids.slice(0, 2));
  t.type(first.nextCursor, 'string');
  t.same(seen[0]!.params, [null, 3], 'asks for one more than a page, to know whether there is more');
  t.match(seen[0]!.sql, /ORDER BY x\.id LIMIT \$2$/);
  const second = await type.search(db, { params: new Map(), count: 2, sort: undefined, cursor: first.nextCursor });
  t.same(second.resources.map((r) => r.id), ids.slice(2));
  t.equal(second.nextCursor, undefined, 'no next link after the last page');
  t.equal(seen[1]!.params[0], ids[1], 'the cursor carries the last id of the page before');
});
