/**
 * Edges of the KvStore seam, run against both implementations (LevelDB and
 * memory): exact range bounds, limits, batch order, closed stores, file modes,
 * and the key layout in hub/store/keys.ts.
 */
import t, { type Test } from 'tap';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALARM_PREFIX, alarmKey, META_ACKED, META_EVALUATED, META_SEQ, OUTBOX_PREFIX, laneKey, laneOf, LANE_PREFIX, legacyOutboxKey, LEGACY_OUTBOX_RANGE, prefixEnd, seqOfOutboxKey } from '../../../hub/store/keys.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';

const subjects: Array<[string, (t: Test) => KvStore]> = [
  ['memory', () => createMemoryStore()],
  ['leveldb', (t) => createLevelStore(t.testdir())],
];

const keysOf = async (s: KvStore, range: Parameters<KvStore['entries']>[0]) => (await s.entries(range)).map(([k]) => k);

for (const [name, make] of subjects) {
  t.test(`${name}: range bounds, limits and order`, async (t) => {
    const s = make(t);
    await s.open();
    t.teardown(() => s.close());
    await s.batch(['k1', 'k2', 'k3', 'k4', 'k5'].map((key, i) => ({ type: 'put' as const, key, value: i + 1 })), { sync: false });
    // Each row: range, keys expected.
    const rows: Array<[Parameters<KvStore['entries']>[0], string[]]> = [
      [{}, ['k1', 'k2', 'k3', 'k4', 'k5']],
      [{ gt: 'k2' }, ['k3', 'k4', 'k5']], // gt excludes its bound
      [{ gte: 'k2' }, ['k2', 'k3', 'k4', 'k5']], // gte includes it
      [{ lt: 'k4' }, ['k1', 'k2', 'k3']], // lt excludes
      [{ lte: 'k4' }, ['k1', 'k2', 'k3', 'k4']], // lte includes
      [{ gt: 'k1', lt: 'k5' }, ['k2', 'k3', 'k4']],
      [{ gte: 'k3', lte: 'k3' }, ['k3']],
      [{ gt: 'k3', lt: 'k3' }, []],
      [{ gte: 'k2a' }, ['k3', 'k4', 'k5']], // a bound between keys
      [{ limit: 2 }, ['k1', 'k2']],
      [{ limit: 0 }, []],
      [{ limit: -1 }, ['k1', 'k2', 'k3', 'k4', 'k5']], // -1 means no limit, as in LevelDB
      [{ reverse: true }, ['k5', 'k4', 'k3', 'k2', 'k1']],
      [{ reverse: true, limit: 2, lt: 'k5' }, ['k4', 'k3']], // limit applies after reversing
      [{ reverse: false, limit: 1 }, ['k1']],
    ];
    for (const [range, keys] of rows) t.same(await keysOf(s, range), keys, JSON.stringify(range));
    t.same(await s.entries({ gte: 'k2', lte: 'k3' }), [['k2', 2], ['k3', 3]], 'entries carry their values');
  });

  t.test(`${name}: a batch applies its ops in order`, async (t) => {
    const s = make(t);
    await s.open();
    t.teardown(() => s.close());
    await s.batch([], { sync: true });
    t.same(await s.entries({}), [], 'an empty batch changes nothing');
    await s.batch([{ type: 'put', key: 'a', value: 1 }, { type: 'del', key: 'a' }], { sync: false });
    t.equal(await s.get('a'), undefined, 'put then del: gone');
    await s.batch([{ type: 'del', key: 'b' }, { type: 'put', key: 'b', value: 2 }], { sync: false });
    t.equal(await s.get('b'), 2, 'del then put: present');
    await s.batch([{ type: 'put', key: 'c', value: 'x' }, { type: 'put', key: 'c', value: 'y' }], { sync: true });
    t.equal(await s.get('c'), 'y', 'the last put wins');
    const values: Array<[string, unknown]> = [['s', 'text'], ['n', 0], ['f', false], ['arr', [1, 'two', { three: 3 }]], ['obj', { a: { b: [true] } }]];
    await s.batch(values.map(([key, value]) => ({ type: 'put' as const, key, value })), { sync: false });
    for (const [key, value] of values) t.same(await s.get(key), value, `${key} round-trips`);
  });

  t.test(`${name}: a closed store refuses work`, async (t) => {
    const s = make(t);
    await s.open();
    await s.batch([{ type: 'put', key: 'k', value: 1 }], { sync: false });
    await s.close();
    await t.rejects(s.get('k'), 'get');
    await t.rejects(s.batch([{ type: 'put', key: 'k', value: 2 }], { sync: false }), 'batch');
    await t.rejects(s.entries({}), 'entries');
  });
}

t.test('memory: refuses work before open, and names why', async (t) => {
  const s = createMemoryStore();
  await t.rejects(s.get('k'), { message: 'store is not open' });
  await t.rejects(s.batch([], { sync: false }), { message: 'store is not open' });
  await t.rejects(s.entries({}), { message: 'store is not open' });
});

t.test('leveldb: the folder is the owner\'s alone', { skip: process.getuid?.() === undefined ? 'no POSIX modes here' : false }, async (t) => {
  const parent = t.testdir();
  const dir = join(parent, 'nested', 'data');
  const fresh = createLevelStore(dir);
  await fresh.open();
  t.equal((await stat(dir)).mode & 0o777, 0o700, 'a new (nested) folder is created 0700');
  await fresh.close();

  // A folder and files left by an older version with looser modes are tightened on open.
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'LEFTOVER'), 'x', { mode: 0o644 });
  await mkdir(join(dir, 'sub'), { mode: 0o755 });
  const again = createLevelStore(dir);
  await again.open();
  t.equal((await stat(dir)).mode & 0o777, 0o700, 'the folder is tightened to 0700');
  t.equal((await stat(join(dir, 'LEFTOVER'))).mode & 0o777, 0o600, 'files are tightened to 0600');
  t.equal((await stat(join(dir, 'CURRENT'))).mode & 0o777, 0o600, 'LevelDB\'s own files too');
  t.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o755, 'sub-folders are left alone (only files are chmod-ed)');
  await again.close();
});

t.test('key layout', async (t) => {
  t.equal(OUTBOX_PREFIX, 'outbox:');
  t.equal(ALARM_PREFIX, 'alarm:');
  t.same([META_SEQ, META_ACKED, META_EVALUATED], ['meta:seq', 'meta:acked', 'meta:evaluated']);
  t.equal(laneKey('critical', 1), 'outbox:c:0000000000000001', 'seq zero-padded to 16 digits');
  t.equal(laneKey('telemetry', 2 ** 53 - 1), 'outbox:t:9007199254740991');
  t.equal(legacyOutboxKey(1), 'outbox:0000000000000001', 'the pre-lane layout');
  t.equal(seqOfOutboxKey('outbox:0000000000000042'), 42);
  t.equal(seqOfOutboxKey('outbox:t:0000000000000042'), 42);
  for (const seq of [0, 1, 9, 10, 99, 100, 123456789]) t.equal(seqOfOutboxKey(laneKey('critical', seq)), seq, `round trip ${seq}`);
  const seqs = [10, 9, 100, 1, 11];
  t.same(seqs.map((s) => laneKey('telemetry', s)).sort().map(seqOfOutboxKey), [1, 9, 10, 11, 100], 'key order is numeric order');
  for (const key of [laneKey('critical', 1), laneKey('telemetry', 9), legacyOutboxKey(5)]) {
    t.ok(key >= OUTBOX_PREFIX && key < prefixEnd(OUTBOX_PREFIX), `${key} lies inside the whole-outbox range`);
  }
  for (const prefix of Object.values(LANE_PREFIX)) t.ok(prefix >= LEGACY_OUTBOX_RANGE.lt, `${prefix} sorts after every legacy key`);
  t.ok(legacyOutboxKey(2 ** 53 - 1) < LEGACY_OUTBOX_RANGE.lt && legacyOutboxKey(0) >= LEGACY_OUTBOX_RANGE.gte, 'legacy keys fill their range');
  t.same(
    (['reading', 'state', 'device-status', 'alarm', 'alarm-update', 'alarm-escalation', 'call-point', 'audit', 'observation'] as const).map((kind) => laneOf({ kind })),
    ['telemetry', 'telemetry', 'telemetry', 'critical', 'critical', 'critical', 'critical', 'critical', 'critical'],
    'only machine telemetry rides the telemetry lane',
  );
  t.equal(alarmKey('abc'), 'alarm:abc');
  t.equal(prefixEnd('alarm:'), 'alarm;', 'the next character after the last one');
  t.equal(prefixEnd('outbox:'), 'outbox;');
  t.equal(prefixEnd('a'), 'b');
  t.ok(alarmKey('\uffff') < prefixEnd(ALARM_PREFIX), 'every alarm key sorts below the end');
});
