// The device registry (drivers/index.ts) lists every file under drivers/devices/ exactly once.
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { deviceDefinitions, getDeviceDefinition } from '../../drivers/index.ts';

const devicesDir = new URL('../../drivers/devices/', import.meta.url);

function isDefinition(value: unknown): value is { id: string; transport: string } {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && typeof (value as { transport?: unknown }).transport === 'string';
}

t.test('every definition exported under drivers/devices/ is in the registry', async (t) => {
  const files = (await readdir(devicesDir)).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 0, 'there are device files');
  for (const file of files) {
    const mod = (await import(new URL(file, devicesDir).href)) as Record<string, unknown>;
    const defs = Object.values(mod).filter(isDefinition);
    t.ok(defs.length > 0, `${file} exports a device definition`);
    for (const def of defs) t.ok(deviceDefinitions.includes(def as never), `${file}: ${def.id} is listed in drivers/index.ts`);
  }
});

t.test('ids are unique and look up', async (t) => {
  const ids = deviceDefinitions.map((d) => d.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  t.same(dupes, [], 'no two definitions share an id');
  for (const def of deviceDefinitions) t.equal(getDeviceDefinition(def.id), def);
  t.equal(getDeviceDefinition('no-such-device'), undefined);
});

t.test('call-receiver-v1 is a serial device at 19200 baud', async (t) => {
  const def = getDeviceDefinition('call-receiver-v1');
  t.match(def, { transport: 'serial', serial: { baudRate: 19200 } });
  const battery = def?.exposes.find((e) => e.name === 'battery');
  t.match(battery, { type: 'numeric', unit: '%', min: 0, max: 100 }, 'battery is exposed as a percentage');
  t.same(
    def?.exposes.map((e) => e.name),
    ['event', 'call_point', 'seq', 'battery'],
    'exposes exactly these',
  );
});
