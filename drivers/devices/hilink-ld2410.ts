/**
 * Hi-Link LD2410 24 GHz presence radar (docs/serial-devices.md): report frames F4 F3 F2 F1 … F8 F7 F6 F5
 * at 256000 8N1 saying whether a moving or still target is in range.
 */
import { MOTION_STATES } from '../../protocols/device-state.ts';
import { createLd2410Framer, decodeLd2410, LD2410_LINE } from '../../protocols/serial/index.ts';
import type { SerialDeviceDefinition } from '../device-definition.ts';
import { framedStream } from '../serial/framed-stream.ts';

export const hilinkLd2410 = {
  id: 'hilink-ld2410',
  description: 'Hi-Link LD2410 24 GHz human presence radar (UART, 256000 8N1)',
  transport: 'serial',
  serial: LD2410_LINE,
  createStream: () =>
    framedStream({
      createFramer: createLd2410Framer,
      // Command ACKs are answers to configuration, not room states: they convert to nothing.
      decode: (frame) => {
      const decoded = decodeLd2410(frame);
      return decoded.kind === 'report' ? decoded : {};
    },
  }),
  exposes: [
    { name: 'presence', type: 'binary', description: 'A target is in range' },
    { name: 'motion', type: 'enum', values: MOTION_STATES, description: 'None, stationary or moving target' },
  ],
} as const satisfies SerialDeviceDefinition;
