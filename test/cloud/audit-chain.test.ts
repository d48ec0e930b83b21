/**
 * The audit chain (docs/audit.md): tampering done directly in SQL (edit, edit and re-hash,
 * delete, insert, cut the end) is named by verify at the first broken link, on PGlite and on the
 * real PostgreSQL; `cloud audit verify` prints it and exits 3; concurrent appenders on
 * PostgreSQL never fork a chain.
 */
import t, { type Test } from 'tap';
import { appendAudit, appendAuditEntries } from '../../cloud/audit/append.ts';
import { canonicalJson, entryHash, GENESIS_HASH } from '../../cloud/audit/chain.ts';
import { formatVerifyResult, verifyAuditChains } from '../../cloud/audit/verify.ts';
import type { Database } from '../../cloud/store/database.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { createScratchDatabase, findPostgres, POSTGRES_HINT } from '../support/postgres.ts';
import { requirement } from '../support/requirements.ts';

const ACTOR = { kind: 'api-key' as const, id: 'key-1', orgId: 'org-a' };

t.test('canonical JSON sorts keys at every level, so jsonb key order cannot change a hash', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [{ d: true, c: null }, 'x'] }), '{"a":[{"c":null,"d":true},"x"],"b":1}');
  t.equal(canonicalJson({ a: 1, skip: undefined }), '{"a":1}');
  t.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
  const e = { orgId: 'o', seq: 1, at: '2026-01-01T00:00:00.000Z', actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: 'x', detail: { b: 1, a: 2 }, prevHash: GENESIS_HASH };
  t.equal(entryHash(e), entryHash({ ...e, detail: { a: 2, b: 1 } }));
  t.not(entryHash(e), entryHash({ ...e, seq: 2 }));
});

t.test('cloud audit takes exactly one subcommand, verify', async (t) => {
  const { main } = await import('../../cloud/cli.ts');
  for (const args of [['audit'], ['audit', 'check'], ['audit', 'verify', 'extra']]) {
    const err: string[] = [];
    t.equal(await main(args, { out: () => undefined, err: (s) => void err.push(s), env: {} }), 2, `cloud ${args.join(' ')}`);
    t.match(err.join(''), /usage: cloud audit verify/);
  }
});

/** Empties the log and appends `n` entries to org-a and 2 to org-b; returns org-a's ids by seq (index 0 = seq 1). */
async function seed(db: Database, n = 5): Promise<string[]> {
  await db.exec('DELETE FROM audit_log; DELETE FROM audit_heads;');
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    const r = await db.transaction((tx) =>
      appendAudit(tx, { orgId: 'org-a', actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: `alarm-${i}`, detail: { i, states: ['active'] } }),
    );
    ids.push(r.id);
  }
  await db.transaction((tx) =>
    appendAuditEntries(tx, [
      { orgId: 'org-b', actor: { kind: 'hub', id: 'hub-b' }, action: 'alarm.write', targetType: 'alarm', targetId: 'b1' },
      { orgId: 'org-b', actor: { kind: 'system', id: 'relay' }, action: 'api-key.revoke', targetType: 'api-key', targetId: 'k2' },
    ]),
  );
  return ids;
}

async function tamperSuite(t: Test, db: Database): Promise<void> {
  t.test('an untouched log verifies', async (t) => {
    await seed(db);
    const r = await verifyAuditChains(db);
    t.same(r, { ok: true, entries: 7, chains: 2 });
    t.equal(formatVerifyResult(r), 'audit ok: 7 entries verified in 2 chains\n');
  });

  t.test('an edited entry is named by its hash', async (t) => {
    const ids = await seed(db);
    await db.exec(`UPDATE audit_log SET detail = '{"i": 3, "states": ["resolved"]}' WHERE id = ${ids[2]}`);
    const r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, ids[2]);
      t.equal(r.broken.seq, 3);
      t.match(r.broken.problem, /^hash [0-9a-f]{64} does not match its content \(computed [0-9a-f]{64}\)$/);
      t.equal(r.entries, 2, 'seq 1 and 2 verified before it');
    }
  });

  t.test('an edit whose hash was recomputed breaks the next link', async (t) => {
    const ids = await seed(db);
    const { rows } = await db.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE id = ${ids[1]}`);
    const forged = { orgId: 'org-a', seq: 3, at: new Date().toISOString(), actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: 'alarm-3', detail: { i: 99 }, prevHash: rows[0]!.hash };
    await db.query('UPDATE audit_log SET at = $1, detail = $2::jsonb, hash = $3 WHERE id = $4', [forged.at, JSON.stringify(forged.detail), entryHash(forged), ids[2]]);
    const r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, ids[3], 'the entry after the forged one');
      t.match(r.broken.problem, new RegExp(`^prev_hash [0-9a-f]{64} is not the hash of entry ${ids[2]} `));
    }
  });

  t.test('a deleted entry is named at the entry after the gap', async (t) => {
    const ids = await seed(db);
    await db.exec(`DELETE FROM audit_log WHERE id = ${ids[1]}`);
    const r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, ids[2]);
      t.equal(r.broken.problem, 'seq 3 follows seq 1: the entry with seq 2 is missing');
    }
  });

  t.test('a deleted last entry is caught by the chain head', async (t) => {
    const ids = await seed(db);
    await db.exec(`DELETE FROM audit_log WHERE id = ${ids[4]}`);
    const r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, ids[3]);
      t.match(r.broken.problem, /^the chain ends at seq 4 \(entry \d+\) but audit_heads says seq 5/);
      t.match(formatVerifyResult(r), /^audit broken at entry \d+ \(organisation org-a, seq 4\): the chain ends/);
    }
  });

  t.test('an inserted entry with a bad hash, and one hashed correctly past the head, are named', async (t) => {
    const ids = await seed(db);
    const { rows } = await db.query<{ hash: string }>(`SELECT hash FROM audit_log WHERE id = ${ids[4]}`);
    const forged = { orgId: 'org-a', seq: 6, at: new Date().toISOString(), actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: 'alarm-6', detail: {}, prevHash: rows[0]!.hash };
    const insert = (hash: string) =>
      db.query<{ id: string }>(
        `INSERT INTO audit_log (org_id, seq, at, actor, action, target_type, target_id, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10) RETURNING id::text AS id`,
        [forged.orgId, forged.seq, forged.at, JSON.stringify(forged.actor), forged.action, forged.targetType, forged.targetId, '{}', forged.prevHash, hash],
      );
    const bad = (await insert('f'.repeat(64))).rows[0]!.id;
    let r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, bad);
      t.match(r.broken.problem, /does not match its content/);
    }
    await db.exec(`DELETE FROM audit_log WHERE id = ${bad}`);
    const good = (await insert(entryHash(forged))).rows[0]!.id;
    r = await verifyAuditChains(db);
    t.equal(r.ok, false);
    if (!r.ok) {
      t.equal(r.broken.id, good);
      t.match(r.broken.problem, /^seq 6 is past the chain head \(audit_heads says the chain ends at seq 5\)/);
    }
  });

  t.test('a bad entry is refused before anything is written', async (t) => {
    await seed(db);
    await t.rejects(
      db.transaction((tx) => appendAudit(tx, { orgId: 'org-a', actor: ACTOR, action: 'Not An Action', targetType: 'alarm', targetId: 'x', detail: { n: Number.NaN } })),
      { code: 'AUDIT_ENTRY_INVALID', message: /^audit entry rejected: action: looks like alarm\.write; detail\.n: / },
    );
    t.same(await verifyAuditChains(db), { ok: true, entries: 7, chains: 2 });
  });
}

t.test('PGlite', async (t) => {
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  await tamperSuite(t, db);
});

const server = await findPostgres();
const skip = requirement('PostgreSQL server', 'url' in server, 'reason' in server ? `${server.reason}; ${POSTGRES_HINT}` : POSTGRES_HINT);

t.test('PostgreSQL', { skip }, async (t) => {
  const url = await createScratchDatabase(t, (server as { url: string }).url, 'audit');
  const db = createPostgresDatabase({ connectionString: url, max: 8 });
  t.teardown(() => db.close());
  await runMigrations(db);
  await tamperSuite(t, db);

  t.test('concurrent appenders to one chain queue on its head and never fork it', async (t) => {
    await db.exec('DELETE FROM audit_log; DELETE FROM audit_heads;');
    const WRITERS = 8;
    const EACH = 25;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < EACH; i++) {
          await db.transaction(async (tx) => {
            // Another statement in the same transaction first, as a real write would have.
            await tx.query('SELECT pg_sleep(0.001)');
            await appendAuditEntries(tx, [
              { orgId: 'org-a', actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: `w${w}-${i}` },
              { orgId: 'org-b', actor: ACTOR, action: 'alarm.write', targetType: 'alarm', targetId: `w${w}-${i}` },
            ]);
          });
        }
      }),
    );
    t.same(await verifyAuditChains(db), { ok: true, entries: 2 * WRITERS * EACH, chains: 2 });
  });

  t.test('cloud audit verify prints the first broken link and exits 3, or the count and 0', async (t) => {
    const { main } = await import('../../cloud/cli.ts');
    const ids = await seed(db);
    const io = (out: string[]) => ({ out: (s: string) => void out.push(s), err: () => undefined, env: { DATABASE_URL: url, CLOUD_LOG_LEVEL: 'silent' } });
    const ok: string[] = [];
    t.equal(await main(['audit', 'verify'], io(ok)), 0);
    t.equal(ok.join(''), 'audit ok: 7 entries verified in 2 chains\n');
    await db.exec(`DELETE FROM audit_log WHERE id = ${ids[2]}`);
    const broken: string[] = [];
    t.equal(await main(['audit', 'verify'], io(broken)), 3);
    t.equal(broken.join(''), `audit broken at entry ${ids[3]} (organisation org-a, seq 4): seq 4 follows seq 2: the entry with seq 3 is missing\n2 entries verified before it\n`);
  });
});
