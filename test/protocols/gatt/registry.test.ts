/**
 * The GATT registry (protocols/gatt/index.ts) lists every codec file of the folder once, keyed by
 * a unique 16-bit UUID and id.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { decodeGatt, GATT_CODECS, getGattCodec, parseGattUuid } from '../../../protocols/gatt/index.ts';

/** Files of protocols/gatt/ that hold shared pieces, not a characteristic. */
const SHARED = new Set(['index.ts', 'codec.ts', 'errors.ts', 'bytes.ts', 'ieee11073.ts', 'readings.ts', 'plx-status.ts']);
const DIR = new URL('../../../protocols/gatt/', import.meta.url);

const isCodec = (x: unknown): x is { uuid: number; id: string } =>
  typeof x === 'object' && x !== null && typeof (x as { uuid?: unknown }).uuid === 'number' && typeof (x as { decode?: unknown }).decode === 'function' && typeof (x as { encode?: unknown }).encode === 'function';

t.test('every characteristic file exports a codec and every exported codec is registered', async (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !SHARED.has(f));
  t.ok(files.length >= 14, `${files.length} characteristic files`);
  for (const file of files) {
    const mod = (await import(new URL(file, DIR).href)) as Record<string, unknown>;
    const codecs = Object.values(mod).filter(isCodec);
    t.ok(codecs.length >= 1, `${file} exports a codec`);
    for (const c of codecs) t.ok(GATT_CODECS.includes(c as never), `${file}: ${c.id} is in GATT_CODECS`);
  }
  for (const file of SHARED) {
    const mod = (await import(new URL(file, DIR).href)) as Record<string, unknown>;
    t.same(Object.values(mod).filter(isCodec).filter((c) => !GATT_CODECS.includes(c as never)), [], `${file} holds no unregistered codec`);
  }
});

t.test('UUIDs and ids are unique; the issue\'s characteristics are all there', async (t) => {
  const uuids = GATT_CODECS.map((c) => c.uuid);
  const ids = GATT_CODECS.map((c) => c.id);
  t.equal(new Set(uuids).size, uuids.length, 'unique UUIDs');
  t.equal(new Set(ids).size, ids.length, 'unique ids');
  t.same(
    [...uuids].sort((a, b) => a - b).map((u) => u.toString(16)),
    ['2a08', '2a18', '2a19', '2a1c', '2a1d', '2a2b', '2a35', '2a36', '2a37', '2a52', '2a5e', '2a5f', '2a60', '2a9d'],
  );
});

t.test('lookup accepts the usual spellings of a UUID and nothing else', async (t) => {
  for (const s of [0x2a37, '2a37', '2A37', '0x2A37', '00002a37-0000-1000-8000-00805f9b34fb']) t.equal(getGattCodec(s)?.id, 'heart-rate-measurement', String(s));
  for (const s of ['2a3', 'x2a37', '00002a37-0000-1000-8000-00805f9b34fc', -1, 0x10000, 1.5]) t.equal(parseGattUuid(s), undefined, `${s} is not a UUID`);
  t.equal(getGattCodec(0x2a00), undefined, 'unregistered');
  t.match(decodeGatt('2a19', Uint8Array.of(50)), { level: 50 });
});
