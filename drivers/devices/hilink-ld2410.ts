/**
 * Hi-Link LD2410 24 GHz presence radar (docs/serial-devices.md): report frames F4 F3 F2 F1 … F8 F7 F6 F5
 * at 256000 8N1 saying whether a moving or still target is in range.
 */
import { MOTION_STATES } from '../../protocols/device-state.ts';
import { ld2410Codec as codec } from '../../protocols/codecs.ts';
import type { SerialDeviceDefinition } from '../device-definition.ts';
import { framedStream } from '../serial/framed-stream.ts';

export const hilinkLd2410 = {
  id: 'hilink-ld2410',
  description: 'Hi-Link LD2410 24 GHz human presence radar (UART, 256000 8N1)',
  transport: 'serial',
  serial: codec.line,
  // It reports ten times a second whenever powered.
  reportIntervalMs: 60_000,
  createStream: () => framedStream(codec),
  exposes: [
    { name: 'presence', type: 'binary', description: 'A target is in range' },
    { name: 'motion', type: 'enum', values: MOTION_STATES, description: 'None, stationary or moving target' },
  ],
} as const satisfies SerialDeviceDefinition;
