/**
 * hub/store/disk-full.ts: a write refused for lack of space raises store_disk_full and logs "disk full"
 * once; the write still fails (nothing is acknowledged that is not stored); other errors are not
 * taken for a full disk.
 */
import t from 'tap';
import { pino } from 'pino';
import { createMetrics } from '../../../hub/metrics.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { isDiskFullError, watchDiskFull } from '../../../hub/store/disk-full.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';

/** LevelDB's own words on a full tmpfs (classic-level 3, level 10). */
const LEVELDB_ENOSPC = Object.assign(new Error('IO error: /data/leveldb/000003.log: No space left on device'), { code: 'LEVEL_IO_ERROR' });

function setUp(failWith: () => Error | null) {
  const inner = createMemoryStore();
  const failing: KvStore = {
    ...inner,
    open: () => inner.open(),
    close: () => inner.close(),
    get: (key) => inner.get(key),
    entries: (range) => inner.entries(range),
    async batch(ops, options) {
      const err = failWith();
      if (err) throw err;
      return inner.batch(ops, options);
    },
  };
  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const metrics = createMetrics();
  return { store: watchDiskFull(failing, { logger, metrics }), metrics, lines };
}

t.test('ENOSPC: the write fails, the gauge rises, one log line per episode', async (t) => {
  let err: Error | null = LEVELDB_ENOSPC;
  const { store, metrics, lines } = setUp(() => err);
  await store.open();
  await t.rejects(store.batch([{ type: 'put', key: 'a', value: 1 }], { sync: true }), LEVELDB_ENOSPC, 'the caller still sees the failure');
  await t.rejects(store.batch([{ type: 'put', key: 'b', value: 1 }], { sync: true }));
  t.match(metrics.render(), /^carehub_hub_store_disk_full 1$/m);
  t.match(metrics.render(), /^carehub_hub_store_disk_full_writes_total 2$/m);
  t.equal(lines.filter((l) => l.msg.startsWith('disk full')).length, 1, 'logged once, not per refused write');
  t.equal(await store.get('a'), undefined, 'nothing was stored');

  err = null;
  await store.batch([{ type: 'put', key: 'c', value: 1 }], { sync: true });
  t.match(metrics.render(), /^carehub_hub_store_disk_full 0$/m, 'down again after a write succeeds');
});

t.test('other write errors are not a full disk', async (t) => {
  const { store, metrics, lines } = setUp(() => Object.assign(new Error('IO error: corruption'), { code: 'LEVEL_IO_ERROR' }));
  await t.rejects(store.batch([{ type: 'put', key: 'a', value: 1 }], { sync: false }));
  t.match(metrics.render(), /^carehub_hub_store_disk_full 0$/m);
  t.equal(lines.length, 0);
});

t.test('isDiskFullError: errno code, LevelDB text, or a cause', async (t) => {
  t.ok(isDiskFullError(Object.assign(new Error('write failed'), { code: 'ENOSPC' })));
  t.ok(isDiskFullError(LEVELDB_ENOSPC));
  t.ok(isDiskFullError(new Error('batch failed', { cause: LEVELDB_ENOSPC })));
  t.notOk(isDiskFullError(new Error('EACCES')));
  t.notOk(isDiskFullError('No space left on device'), 'only errors');
});

t.test('space back: the store is reopened without a restart, and writes go on', async (t) => {
  const inner = createMemoryStore();
  // LevelDB's way: after one append fails for lack of space, every write fails until the database is reopened.
  let diskFull = true;
  let sticky = false;
  let opens = 0;
  let tried = 0;
  const leveldbLike: KvStore = {
    ...inner,
    open: async () => {
      opens++;
      sticky = false;
      await inner.open();
    },
    close: () => inner.close(),
    get: (key) => inner.get(key),
    entries: (range) => inner.entries(range),
    async batch(ops, options) {
      tried++;
      if (diskFull || sticky) {
        sticky = true;
        throw LEVELDB_ENOSPC;
      }
      return inner.batch(ops, options);
    },
  };
  let free = 0;
  let clock = 0;
  const logger = pino({ level: 'silent' });
  const metrics = createMetrics();
  const store = watchDiskFull(leveldbLike, { logger, metrics, freeBytes: async () => free, reopenFreeBytes: 1000, recheckMs: 500, now: () => clock });
  await store.open();
  await store.batch([{ type: 'put', key: 'a', value: 1 }], { sync: true }).catch(() => undefined);
  t.match(metrics.render(), /^carehub_hub_store_disk_full 1$/m);

  // Still no space: writes fail fast, LevelDB is not even asked.
  clock += 1000;
  const before = tried;
  await t.rejects(store.batch([{ type: 'put', key: 'b', value: 1 }], { sync: true }), { code: 'ENOSPC' });
  t.equal(tried, before, 'refused without trying LevelDB');
  t.equal(opens, 1, 'not reopened while the disk is full');

  // Space returns (another program's files removed), though LevelDB's own refusal is sticky.
  diskFull = false;
  free = 5000;
  await t.rejects(store.batch([{ type: 'put', key: 'c', value: 1 }], { sync: true }), { code: 'ENOSPC' }, 'not looked at again within recheckMs');
  clock += 1000;
  await store.batch([{ type: 'put', key: 'd', value: 1 }], { sync: true });
  t.equal(opens, 2, 'reopened once');
  t.equal(await store.get('d'), 1, 'the write after the reopen is stored');
  t.match(metrics.render(), /^carehub_hub_store_disk_full 0$/m, 'the flag is down');
  t.match(metrics.render(), /^carehub_hub_store_reopens_total 1$/m);
  await store.batch([{ type: 'put', key: 'e', value: 1 }], { sync: true });
  t.equal(opens, 2, 'no further reopen');
});
