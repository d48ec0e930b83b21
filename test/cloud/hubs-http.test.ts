/**
 * Provisioning over HTTP (docs/provisioning.md): claim codes, hub credentials, revocation,
 * rotation and the re-provisioning epoch. A bad, revoked or other hub's credential is refused;
 * rotation and re-provisioning lose nothing.
 */
import t from 'tap';
import { normaliseClaimCode } from '../../protocols/claim-code.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import { ackedSeq, batch, countEvents, reading } from './fixtures.ts';
import { addOrg, openRelayRig } from './hubs-support.ts';

const rig = await openRelayRig(t);
const a = await addOrg(rig.db, 'a');
const b = await addOrg(rig.db, 'b');

const CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

async function createHub(id: string, key = a.operatorKey, body: Record<string, unknown> = {}) {
  return rig.call('POST', '/v1/hubs', key, { id, ...body });
}

async function claim(code: string, hubId: string, logSeq = 0) {
  return rig.call('POST', '/v1/hubs/claim', undefined, { code, hubId, logSeq });
}

/** keyed by `${hubId}/${seq}`: a seq sent again is the same event (a retry), as a hub would resend it */
const sent = new Map<string, ReturnType<typeof reading>>();

async function ingest(token: string, hubId: string, seqs: number[]) {
  const events = seqs.map((s) => {
    const key = `${hubId}/${s}`;
    if (!sent.has(key)) sent.set(key, reading(hubId, s));
    return sent.get(key)!;
  });
  return rig.call('POST', '/v1/ingest', token, batch(hubId, events));
}

/** A hub created and claimed into an empty data folder: its token. */
async function provisioned(id: string): Promise<string> {
  const created = await createHub(id);
  const claimed = await claim(created.body.claimCode, id);
  if (claimed.status !== 200) throw new Error(`claim failed: ${JSON.stringify(claimed.body)}`);
  return claimed.body.token;
}

t.test('an operator creates a hub and gets a one-time claim code, stored only hashed', async (t) => {
  const res = await createHub('hub-new');
  t.equal(res.status, 201);
  t.match(res.body.claimCode, CODE_SHAPE, 'short and typable: 12 Crockford base32 symbols in three groups');
  t.equal(res.body.orgId, a.orgId, 'the hub belongs to the caller\'s organisation');
  const expires = Date.parse(res.body.claimExpiresAt) - rig.clock.now().getTime();
  t.ok(Math.abs(expires - 24 * 3600_000) < 60_000, 'expires after 24 h by default');
  const { rows } = await rig.db.query<Record<string, unknown>>('SELECT * FROM hub_claims WHERE hub_id = $1', ['hub-new']);
  t.equal(rows.length, 1);
  t.equal(rows[0]!.code_sha256, sha256Hex(normaliseClaimCode(res.body.claimCode)!), 'the digest of the normalised code is stored');
  t.notOk(JSON.stringify(rows).includes(res.body.claimCode.replace(/-/g, '')), 'the code itself is nowhere in the row');

  t.equal((await createHub('hub-new')).status, 409, 'an id is taken once');
  t.equal((await createHub('hub-x', a.clinicianKey)).status, 403, 'a clinician key may not create hubs');
  t.equal((await createHub('hub-x', 'no-such-key')).status, 401);
  t.equal((await rig.call('POST', '/v1/hubs', undefined, { id: 'hub-x' })).status, 401);
});

t.test('a claim code is case-insensitive, works once, and a used, expired, replaced or unknown code is refused clearly', async (t) => {
  const created = await createHub('hub-claim');
  const typed = ` ${created.body.claimCode.toLowerCase().replace(/-/g, ' ')} `;
  const first = await claim(typed, 'hub-claim');
  t.equal(first.status, 200, 'lower case with spaces instead of dashes is the same code');
  t.equal(first.body.hubId, 'hub-claim');
  t.equal(first.body.epoch, 1);
  t.equal(first.body.firstSeq, 1, 'a new hub starts at seq 1');
  t.equal((await ingest(first.body.token, 'hub-claim', [1, 2])).status, 200, 'the credential ingests');

  const again = await claim(created.body.claimCode, 'hub-claim');
  t.equal(again.status, 401);
  t.match(again.body.detail, /already used/);

  const unknown = await claim('0000-0000-0000', 'hub-claim');
  t.equal(unknown.status, 401);
  t.match(unknown.body.detail, /Unknown claim code/);
  const malformed = await claim('not a code', 'hub-claim');
  t.equal(malformed.status, 401);
  t.match(malformed.body.detail, /Not a claim code/);

  const short = await rig.call('POST', '/v1/hubs/hub-claim/claims', a.operatorKey, { claimTtlSeconds: 60 });
  t.equal(short.status, 201);
  rig.clock.advance(61_000);
  const expired = await claim(short.body.claimCode, 'hub-claim');
  rig.clock.advance(-61_000); // the ingest route checks credentials on the system clock: keep the two together
  t.equal(expired.status, 401);
  t.match(expired.body.detail, /expired at/);

  const older = await rig.call('POST', '/v1/hubs/hub-claim/claims', a.operatorKey, {});
  const newer = await rig.call('POST', '/v1/hubs/hub-claim/claims', a.operatorKey, {});
  const replaced = await claim(older.body.claimCode, 'hub-claim', 2);
  t.equal(replaced.status, 401);
  t.match(replaced.body.detail, /replaced/);
  t.equal((await claim(newer.body.claimCode, 'hub-claim', 2)).status, 200, 'the newest code works');
});

t.test('one code claimed twice at once: exactly one claim wins', async (t) => {
  const created = await createHub('hub-race');
  const answers = await Promise.all([claim(created.body.claimCode, 'hub-race'), claim(created.body.claimCode, 'hub-race'), claim(created.body.claimCode, 'hub-race')]);
  t.same(answers.map((a) => a.status).sort(), [200, 401, 401]);
  const { rows } = await rig.db.query<{ n: number }>("SELECT count(*)::int AS n FROM hub_credentials WHERE hub_id = 'hub-race'");
  t.equal(rows[0]!.n, 1, 'one credential issued');
});

t.test('a claim code for another hub is refused and stays usable by the right hub', async (t) => {
  const created = await createHub('hub-right');
  const wrong = await claim(created.body.claimCode, 'hub-wrong');
  t.equal(wrong.status, 403);
  t.match(wrong.body.detail, /for hub "hub-right"/);
  t.equal((await claim(created.body.claimCode, 'hub-right')).status, 200);
});

t.test('a bad, revoked or other hub\'s credential is refused', async (t) => {
  const tokenA = await provisioned('hub-cred-a');
  const tokenB = await provisioned('hub-cred-b');
  t.equal((await ingest('a-token-nobody-issued-1234', 'hub-cred-a', [1])).status, 401, 'a bad token');
  const other = await ingest(tokenB, 'hub-cred-a', [1]);
  t.equal(other.status, 403, 'another hub\'s token may not write this hub\'s events');
  t.equal(await countEvents(rig.db, 'hub-cred-a'), 0);

  t.equal((await rig.call('POST', '/v1/hubs/hub-cred-a/revoke', b.operatorKey)).status, 404, 'another organisation cannot revoke it');
  t.equal((await rig.call('POST', '/v1/hubs/hub-cred-a/revoke', a.clinicianKey)).status, 403);
  const revoked = await rig.call('POST', '/v1/hubs/hub-cred-a/revoke', a.operatorKey);
  t.equal(revoked.status, 200);
  const refused = await ingest(tokenA, 'hub-cred-a', [1]);
  t.equal(refused.status, 401);
  t.match(refused.body.detail, /revoked/, 'the answer says the hub is revoked');
  t.equal((await rig.call('GET', '/v1/hub', tokenA)).status, 401, 'every hub route refuses it');
  t.equal((await ingest(tokenB, 'hub-cred-b', [1])).status, 200, 'other hubs go on');
  t.equal((await rig.call('POST', '/v1/hubs/hub-cred-a/rotate', a.operatorKey, {})).status, 409, 'a revoked hub is not rotated');

  // Re-provisioning is the way back: the old token stays refused, the new one works.
  const code = await rig.call('POST', '/v1/hubs/hub-cred-a/claims', a.operatorKey, {});
  const back = await claim(code.body.claimCode, 'hub-cred-a');
  t.equal(back.status, 200);
  t.equal((await ingest(tokenA, 'hub-cred-a', [1])).status, 401, 'the revoked token stays refused');
  t.equal((await ingest(back.body.token, 'hub-cred-a', [1])).status, 200);
});

t.test('a revocation voids unused claim codes', async (t) => {
  const created = await createHub('hub-void');
  await rig.call('POST', '/v1/hubs/hub-void/revoke', a.operatorKey);
  const res = await claim(created.body.claimCode, 'hub-void');
  t.equal(res.status, 401);
  t.match(res.body.detail, /replaced or voided/);
});

t.test('rotation: the old credential works through the overlap, then is refused; nothing is lost', async (t) => {
  const old = await provisioned('hub-rot');
  t.equal((await ingest(old, 'hub-rot', [1, 2, 3])).status, 200);
  t.equal((await rig.call('POST', '/v1/hubs/hub-rot/rotate', b.operatorKey, {})).status, 404, 'not another organisation\'s to rotate');
  const rotated = await rig.call('POST', '/v1/hubs/hub-rot/rotate', a.operatorKey, { overlapSeconds: 3600 });
  t.equal(rotated.status, 201);
  t.ok(Date.parse(rotated.body.previousValidUntil) > Date.now() + 3500_000, 'the overlap is an hour');
  t.equal((await ingest(old, 'hub-rot', [4, 5, 6])).status, 200, 'the hub that has not switched yet still delivers');
  t.equal((await ingest(rotated.body.token, 'hub-rot', [6, 7, 8])).status, 200, 'the new credential delivers, a retried seq once');

  // An overlap of 0 ends every earlier credential now.
  const again = await rig.call('POST', '/v1/hubs/hub-rot/rotate', a.operatorKey, { overlapSeconds: 0 });
  for (const token of [old, rotated.body.token]) {
    const refused = await ingest(token, 'hub-rot', [9]);
    t.equal(refused.status, 401);
    t.match(refused.body.detail, /replaced by a newer credential/);
  }
  const last = await ingest(again.body.token, 'hub-rot', [9, 10]);
  t.equal(last.status, 200);
  t.equal(await countEvents(rig.db, 'hub-rot'), 10, 'every event stored, once');
  t.equal(await ackedSeq(rig.db, 'hub-rot'), 10);

  const record = await rig.call('GET', '/v1/hubs/hub-rot', a.operatorKey);
  t.same(
    record.body.credentials.map((c: { source: string; expiresAt: string | null }) => [c.source, c.expiresAt === null]),
    [['claim', false], ['rotation', false], ['rotation', true]],
  );
});

t.test('re-provisioning into an empty data folder starts a new life past every stored seq and records what was lost', async (t) => {
  const first = await provisioned('hub-re');
  // The first life delivered 1..5 and 7..8; 6 died with its data folder.
  t.equal((await ingest(first, 'hub-re', [1, 2, 3, 4, 5, 7, 8])).status, 200);
  t.equal(await ackedSeq(rig.db, 'hub-re'), 5);

  const code = await rig.call('POST', '/v1/hubs/hub-re/claims', a.operatorKey, {});
  // A folder whose log is older than what the relay holds would collide: refused, the code kept.
  const stale = await claim(code.body.claimCode, 'hub-re', 4);
  t.equal(stale.status, 409);
  t.match(stale.body.detail, /empty data folder/);

  const second = await claim(code.body.claimCode, 'hub-re', 0);
  t.equal(second.status, 200);
  t.equal(second.body.epoch, 2);
  t.equal(second.body.firstSeq, 9, 'one past the highest seq ever stored');
  t.equal(await ackedSeq(rig.db, 'hub-re'), 8, 'the contiguous ack moves to the floor, over the lost seq');
  t.equal((await ingest(first, 'hub-re', [9])).status, 401, 'the old installation\'s credential ends');

  const next = await ingest(second.body.token, 'hub-re', [9, 10, 11]);
  t.equal(next.status, 200, 'no 409: the new life does not collide');
  t.equal(next.body.ackedSeq, 11);
  t.equal(await countEvents(rig.db, 'hub-re'), 10);

  const record = await rig.call('GET', '/v1/hubs/hub-re', a.operatorKey);
  t.equal(record.body.epoch, 2);
  t.same(
    record.body.epochs.map((e: Record<string, unknown>) => [e.epoch, e.firstSeq, e.lostCount, e.lostRanges]),
    [[1, 1, 0, []], [2, 9, 1, [[6, 6]]]],
    'the loss is on record',
  );
  t.equal((await rig.call('GET', '/v1/hubs/hub-re', b.operatorKey)).status, 404, 'another organisation does not see it');
  const listed = await rig.call('GET', '/v1/hubs', a.operatorKey);
  t.match(listed.body.items.find((h: { id: string }) => h.id === 'hub-re'), { epoch: 2, ackedSeq: 11, revokedAt: null });
  t.notOk((await rig.call('GET', '/v1/hubs', b.operatorKey)).body.items.some((h: { id: string }) => h.id === 'hub-re'), 'nor lists it');
  t.equal((await rig.call('GET', '/v1/hubs', a.clinicianKey)).status, 403);
  t.same((await rig.call('GET', '/v1/hub', second.body.token)).body, { hubId: 'hub-re', epoch: 2, ackedSeq: 11 });
});

t.test('re-provisioning a data folder that has events goes on with its seq and loses nothing', async (t) => {
  const first = await provisioned('hub-keep');
  t.equal((await ingest(first, 'hub-keep', [1, 2, 4])).status, 200);
  const code = await rig.call('POST', '/v1/hubs/hub-keep/claims', a.operatorKey, {});
  const res = await claim(code.body.claimCode, 'hub-keep', 6);
  t.equal(res.status, 200);
  t.equal(res.body.epoch, 1, 'the same life');
  t.equal(res.body.firstSeq, 7);
  t.equal(await ackedSeq(rig.db, 'hub-keep'), 2, 'seq 3 is not written off: the folder still holds it');
  t.equal((await ingest(res.body.token, 'hub-keep', [3, 5, 6])).status, 200);
  t.equal(await ackedSeq(rig.db, 'hub-keep'), 6);
});

t.test('bootstrap hubs keep working, and a rotation of one survives a relay restart', async (t) => {
  const boot = (digest: string) =>
    applyBootstrap(rig.db, { orgs: [{ id: a.orgId, name: 'Home a', kind: 'nursing-home' }], hubs: [{ id: 'hub-boot', orgId: a.orgId, tokenSha256: digest }], apiKeys: [] });
  await boot(sha256Hex('boot-token-0000001'));
  t.equal((await ingest('boot-token-0000001', 'hub-boot', [1])).status, 200);
  const rotated = await rig.call('POST', '/v1/hubs/hub-boot/rotate', a.operatorKey, { overlapSeconds: 0 });
  await boot(sha256Hex('boot-token-0000001')); // the relay restarts with the same config
  t.equal((await ingest('boot-token-0000001', 'hub-boot', [2])).status, 401, 'the rotated-away bootstrap token stays refused');
  t.equal((await ingest(rotated.body.token, 'hub-boot', [2])).status, 200);
  await boot(sha256Hex('boot-token-0000002')); // the config names a new token
  t.equal((await ingest('boot-token-0000002', 'hub-boot', [3])).status, 200);
  await t.rejects(
    applyBootstrap(rig.db, { orgs: [], hubs: [{ id: 'hub-rot', orgId: a.orgId, tokenSha256: sha256Hex('boot-token-0000002') }], apiKeys: [] }),
    /already the credential of hub "hub-boot"/,
    'one token is never two hubs\' credential',
  );
});

t.test('hostile bodies are refused with a clear error', async (t) => {
  t.equal((await rig.call('POST', '/v1/hubs', a.operatorKey, { id: 'bad id!' })).status, 400);
  t.equal((await rig.call('POST', '/v1/hubs', a.operatorKey, { id: 'h', extra: 1 })).status, 400);
  t.equal((await rig.call('POST', '/v1/hubs/claim', undefined, { code: 'x'.repeat(5000), hubId: 'h', logSeq: 0 })).status, 413);
  t.equal((await rig.call('POST', '/v1/hubs/claim', undefined, { code: 'ABCD', hubId: 'h', logSeq: -1 })).status, 400);
  t.equal((await rig.call('POST', '/v1/hubs/hub-rot/rotate', a.operatorKey, { overlapSeconds: -5 })).status, 400);
});
