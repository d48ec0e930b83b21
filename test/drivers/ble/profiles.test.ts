import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { getGattCodec } from '../../../protocols/gatt/index.ts';
import { normalizeAddress, normalizeUuid } from '../../../drivers/ble/ble-central.ts';
import { BATTERY_LEVEL_CHARACTERISTIC, BLE_PROFILES, getBleProfile } from '../../../drivers/ble/profiles.ts';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

t.test('every characteristic a profile subscribes to has a GATT codec, and so does the battery level', async (t) => {
  for (const profile of BLE_PROFILES) {
    t.ok(profile.characteristics.length > 0, `${profile.id} subscribes to something`);
    for (const c of profile.characteristics) t.ok(getGattCodec(c.uuid), `${profile.id}: codec for ${c.uuid}`);
  }
  t.ok(getGattCodec(BATTERY_LEVEL_CHARACTERISTIC));
});

t.test('profile ids and service UUIDs are unique, and lookup by id works', async (t) => {
  const ids = BLE_PROFILES.map((p) => p.id);
  const services = BLE_PROFILES.map((p) => p.serviceUuid);
  t.equal(new Set(ids).size, ids.length, 'ids unique');
  t.equal(new Set(services).size, services.length, 'service UUIDs unique');
  for (const p of BLE_PROFILES) t.equal(getBleProfile(p.id), p);
  t.equal(getBleProfile('toaster'), undefined);
});

t.test('the profiles carry the services and delivery the specifications give', async (t) => {
  const table = Object.fromEntries(BLE_PROFILES.map((p) => [p.id, [p.serviceUuid, ...p.characteristics.map((c) => `${c.uuid}:${c.delivery}${c.streams ? ':streams' : ''}`)]]));
  t.same(table, {
    'heart-rate': ['180d', '2a37:notify:streams'],
    'blood-pressure': ['1810', '2a35:indicate', '2a36:notify'],
    'health-thermometer': ['1809', '2a1c:indicate'],
    'pulse-oximeter': ['1822', '2a5e:indicate', '2a5f:notify:streams'],
    'weight-scale': ['181d', '2a9d:indicate'],
    glucose: ['1808', '2a18:notify', '2a52:indicate'],
  });
  t.same(BLE_PROFILES.filter((p) => p.recordAccess).map((p) => p.id), ['glucose']);
});

t.test('UUIDs and addresses are normalised to the form noble uses', async (t) => {
  const uuids: Array<[number | string, string | undefined]> = [
    [0x180d, '180d'],
    ['180D', '180d'],
    ['0x2A37', '2a37'],
    ['0000180d-0000-1000-8000-00805f9b34fb', '180d'], // 16-bit UUID in the Bluetooth Base UUID
    ['6E400001-B5A3-F393-E0A9-E50E24DCCA9E', '6e400001b5a3f393e0a9e50e24dcca9e'], // a vendor 128-bit UUID stays long
    [0x10000, undefined],
    [-1, undefined],
    ['18d', undefined],
    ['not-a-uuid', undefined],
  ];
  for (const [input, expected] of uuids) t.equal(normalizeUuid(input), expected, String(input));
  const addresses: Array<[string, string | undefined]> = [
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
    ['aabbccddeeff', 'aa:bb:cc:dd:ee:ff'],
    ['aa:bb:cc:dd:ee', undefined],
    ['gg:bb:cc:dd:ee:ff', undefined],
  ];
  for (const [input, expected] of addresses) t.equal(normalizeAddress(input), expected, input);
});

/** Every .ts file under a folder, as repository paths. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

t.test('only drivers/ble/noble-central.ts imports noble (docs/ble.md#the-interface)', async (t) => {
  const folders = ['protocols', 'drivers', 'hub', 'cloud', 'firmware-sim', 'bench', 'test'];
  const importers = folders
    .flatMap(sources)
    .filter((file) => /(?:from\s*|import\s*\(\s*)['"]@(?:stoprocent|abandonware)\/noble['"]/.test(readFileSync(join(root, file), 'utf8')))
    .map((file) => relative('.', file));
  t.same(importers, ['drivers/ble/noble-central.ts']);
});
