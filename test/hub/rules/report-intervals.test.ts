/** Supervision intervals come from the device models, three reports' worth; the config's per-device value wins. */
import t from 'tap';
import { createDeviceDirectory } from '../../../hub/devices.ts';
import { supervisionWithModelIntervals } from '../../../hub/rules/report-intervals.ts';
import { hubConfig } from '../support.ts';

t.test('a model\'s report interval supervises its devices unless the config says otherwise', async (t) => {
  const config = hubConfig({
    receivers: [],
    devices: [
      { id: 'radar-1', roomId: 'room-101', model: 'seeed-mr60fda2', serial: { path: '/dev/x1' } },
      { id: 'radar-2', roomId: 'room-102', model: 'seeed-mr60fda2', serial: { path: '/dev/x2' } },
      { id: 'ld-1', roomId: 'room-101', model: 'hilink-ld2410', serial: { path: '/dev/x3' } },
      { id: 'btn-1', roomId: 'room-101', mqtt: { passwordSha256: 'a'.repeat(64) } },
    ],
    rules: { supervision: { perDevice: { 'radar-2': null, 'btn-1': 600_000 } } },
  });
  const options = supervisionWithModelIntervals(config.rules, config.devices, createDeviceDirectory(config));
  t.same((options.supervision as { perDevice: object }).perDevice, { 'radar-1': 360_000, 'radar-2': null, 'ld-1': 180_000, 'btn-1': 600_000 });
  t.same(options['call-point'], config.rules['call-point'], 'other rules\' options pass through');
});
