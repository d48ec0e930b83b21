/** What a downlink version makes of the config (docs/downlink.md#what-it-changes): applied whole or refused whole. */
import t from 'tap';
import { DownlinkDocument } from '../../../protocols/downlink.ts';
import { configView, resolveDownlink, type DownlinkBase } from '../../../hub/downlink/resolve-downlink.ts';
import { hubConfig } from '../support.ts';

const config = hubConfig({
  rules: { 'vital-thresholds': { residents: { 'res-1': { spo2Scale: 2 } } }, news2: { residents: { 'res-1': { spo2Scale: 2 } } } },
});
const base: DownlinkBase = { hubId: config.hubId, rooms: config.rooms, devices: config.devices, ruleOptions: config.rules };

function doc(content: unknown, version = 1) {
  return DownlinkDocument.parse({ hubId: 'hub-test', version, updatedAt: '2026-03-01T08:00:00.000Z', content });
}

type ResidentOptions = { residents: Record<string, unknown> };

t.test('without a downlink the config is in force', async (t) => {
  const view = configView(base);
  t.equal(view.version, null);
  t.equal(view.devices, base.devices);
  t.same([...view.roomNames], [['room-101', 'Room 101'], ['room-102', 'Room 102']]);
});

t.test('bindings, names and resident options of a valid version', async (t) => {
  const result = resolveDownlink(
    base,
    doc({
      rooms: [{ id: 'room-102', name: 'Garden room' }, { id: 'room-201', name: 'Room 201' }],
      residents: [
        { id: 'res-7', name: 'Ada', spo2Scale: 2, thresholds: { 'heart-rate': { above: 120 } } },
        { id: 'res-1', name: 'Bea' },
      ],
      devices: [{ id: 'btn-102', roomId: 'room-201', residentId: 'res-7' }],
    }, 4),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const { view } = result;
  t.equal(view.version, 4);
  t.match(view.devices.find((d) => d.id === 'btn-102'), { roomId: 'room-201', residentId: 'res-7', mqtt: { passwordSha256: /^[0-9a-f]{64}$/ } }, 'transport settings kept');
  t.same(view.devices.find((d) => d.id === 'cp-101'), config.devices.find((d) => d.id === 'cp-101'), 'a device the downlink leaves out keeps its config binding');
  t.equal(view.roomNames.get('room-102'), 'Garden room', 'the downlink renames a room');
  t.equal(view.roomNames.get('room-101'), 'Room 101');
  t.equal(view.roomNames.get('room-201'), 'Room 201', 'and adds one');
  t.equal(view.residentNames.get('res-7'), 'Ada');
  const thresholds = view.ruleOptions['vital-thresholds'] as ResidentOptions;
  t.same(thresholds.residents['res-7'], { spo2Scale: 2, thresholds: { 'heart-rate': { above: 120 } } });
  t.same(thresholds.residents['res-1'], { spo2Scale: 2 }, 'a resident given only a name keeps its config options');
  t.same((view.ruleOptions.news2 as ResidentOptions).residents['res-7'], { spo2Scale: 2 });
  t.same(config.devices.find((d) => d.id === 'btn-102')?.roomId, 'room-102', 'the config itself is untouched');
});

t.test('null unbinds a device from its resident', async (t) => {
  const withResident = hubConfig({
    devices: [{ id: 'btn-102', roomId: 'room-102', residentId: 'res-1', mqtt: { passwordSha256: 'a'.repeat(64) } }],
  });
  const result = resolveDownlink({ ...base, devices: withResident.devices }, doc({ devices: [{ id: 'btn-102', roomId: 'room-102', residentId: null }] }));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  t.notOk('residentId' in result.view.devices[0]!);
});

t.test('a version that does not fit is refused whole, with every reason', async (t) => {
  const result = resolveDownlink(
    base,
    DownlinkDocument.parse({
      hubId: 'hub-other',
      version: 2,
      updatedAt: '2026-03-01T08:00:00.000Z',
      content: {
        residents: [
          { id: 'res-7', thresholds: { spo2: { below: 95, above: 90 } } },
          { id: 'res-8', thresholds: { glucose: { above: 200 } } },
        ],
        devices: [
          { id: 'btn-102', roomId: 'room-999', residentId: null },
          { id: 'ghost', roomId: 'room-101', residentId: null },
        ],
      },
    }),
  );
  t.equal(result.ok, false);
  if (result.ok) return;
  t.same(
    result.errors.map((e) => e.path).sort(),
    ['devices.0.roomId', 'devices.1.id', 'hubId', 'residents.0.thresholds.spo2', 'residents.1.thresholds'].sort(),
  );
  t.match(result.errors.find((e) => e.path === 'devices.1.id'), { message: /unknown device "ghost"/ });
  t.match(result.errors.find((e) => e.path === 'residents.0.thresholds.spo2'), { message: /below \(95\) must be less than above \(90\)/ });
});
