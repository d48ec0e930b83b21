/**
 * The serial transport runs any serial model (docs/devices.md#serial): a radar and an oximeter on
 * their own ports and a call point behind a receiver all reach the event log through the one pipeline
 * entry, with the model's line settings unless the config overrides them. Mock serial ports, real hub.
 */
import t from 'tap';
import { createMockSerialBinding } from '../../drivers/serial/mock-binding.ts';
import type { SerialOpenOptions } from '../../drivers/serial/serialport-binding.ts';
import { createHub } from '../../hub/main.ts';
import { encodeCallFrame } from '../../protocols/call-frame.ts';
import type { Event } from '../../protocols/event.ts';
import { CMS50_V7_START, encodeCms50V7RealTime, encodeSeeedRadarReport } from '../../protocols/serial/index.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { eventually, eventuallyAsync } from '../fakes/wait.ts';
import { hubConfig } from './support.ts';

t.test('a radar, an oximeter and a receiver\'s call point each become events of their kind', async (t) => {
  const base = createMockSerialBinding();
  const opened: SerialOpenOptions[] = [];
  const binding = { ...base, open: (options: SerialOpenOptions) => (opened.push(options), base.open(options)) };
  for (const path of ['/dev/mock-st-radar', '/dev/mock-st-oxi', '/dev/mock-st-rx']) base.createPort(path);
  const { logger } = createTestLogger('silent');
  const hub = createHub(
    hubConfig({
      dataDir: t.testdir(),
      receivers: [{ id: 'rx1', path: '/dev/mock-st-rx', address: 1 }],
      devices: [
        { id: 'radar-101', roomId: 'room-101', model: 'seeed-mr60fda2', serial: { path: '/dev/mock-st-radar' } },
        { id: 'oxi-102', roomId: 'room-102', residentId: 'res-2', model: 'contec-cms50-v7', serial: { path: '/dev/mock-st-oxi', baudRate: 57600 } },
        { id: 'cp-101', roomId: 'room-101', callPoint: { receiver: 'rx1', address: 17 } },
      ],
    }),
    { logger, serialBinding: binding },
  );
  await hub.start();
  t.teardown(() => hub.stop());

  t.match(
    Object.fromEntries(opened.map((o) => [o.path, [o.baudRate, o.dataBits, o.parity, o.stopBits]])),
    { '/dev/mock-st-radar': [115200, 8, 'none', 1], '/dev/mock-st-oxi': [57600, 8, 'none', 1], '/dev/mock-st-rx': [19200, 8, 'none', 1] },
    'each port opens with its model\'s line, the oximeter\'s baud rate overridden by the config',
  );
  await eventually(() => base.written('/dev/mock-st-oxi').length >= CMS50_V7_START.length, 'the V7.0 start command');
  t.same([...base.written('/dev/mock-st-oxi').subarray(0, CMS50_V7_START.length)], [...CMS50_V7_START], 'the oximeter was asked to stream');
  t.same([...base.written('/dev/mock-st-radar')], [], 'the radar needs no handshake');

  base.emitData('/dev/mock-st-radar', encodeSeeedRadarReport({ kind: 'fall', fallen: true }));
  base.emitData(
    '/dev/mock-st-oxi',
    encodeCms50V7RealTime({ signalStrength: 4, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: false, pleth: 20, searching: false, barGraph: 2, piInvalid: true, pulseRate: 72, spo2: 97, piRaw: 0xffff }),
  );
  base.emitData('/dev/mock-st-rx', encodeCallFrame({ receiver: 1, callPoint: 17, event: 'call', seq: 3, battery: null }));
  base.emitData('/dev/mock-st-rx', encodeCallFrame({ receiver: 1, callPoint: 99, event: 'call', seq: 4, battery: null }));

  await eventually(() => hub.metrics.get('inputs_total', { kind: 'state', via: 'serial' }) + hub.metrics.get('inputs_total', { kind: 'reading', via: 'serial' }) >= 4 && hub.metrics.get('inputs_total', { kind: 'call-point', via: 'serial' }) === 1 && hub.alarms.list().length === 2, 'five input events; the call and the fall are alarms');
  // An input may be sendable only once its rules ran: wait until all five are in the outbox.
  let events: Event[] = [];
  await eventuallyAsync(async () => {
    events = (await hub.outbox.peek(100)).filter((e) => e.kind === 'call-point' || e.kind === 'reading' || e.kind === 'state');
    return events.length === 5;
  }, 'five input events in the outbox');
  const summary = events.map((e) => [e.deviceId, e.kind, e.kind === 'state' ? e.payload.kind : e.kind === 'reading' ? e.payload.metric : e.kind === 'call-point' ? e.payload.via : null]);
  t.same(summary.sort(), [
    ['cp-101', 'call-point', 'serial'],
    ['oxi-102', 'reading', 'heart-rate'],
    ['oxi-102', 'reading', 'spo2'],
    ['oxi-102', 'state', 'sensor'],
    ['radar-101', 'state', 'fall'],
  ].sort());
  t.match(events.find((e) => e.kind === 'reading' && e.payload.metric === 'spo2'), { roomId: 'room-102', residentId: 'res-2', payload: { value: 97, unit: '%', loinc: '59408-5' } });
  t.equal(hub.metrics.get('inputs_rejected_total', { via: 'serial', code: 'unknown-call-point' }), 1, 'the unconfigured call point is refused');
  t.equal(hub.metrics.get('inputs_total', { kind: 'state', via: 'serial' }), 2);
  const text = hub.metrics.render();
  for (const port of ['radar-101', 'oxi-102', 'rx1']) t.match(text, `carehub_hub_serial_port_open{receiver="${port}"} 1\n`, `${port} is reported open`);
  base.unplug('/dev/mock-st-radar');
  await eventually(() => hub.metrics.render().includes('carehub_hub_serial_port_open{receiver="radar-101"} 0\n'), 'the unplugged radar is reported closed');
});
