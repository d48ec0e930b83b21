/**
 * Seeed MR60FDA2-style 60 GHz mmWave fall radar (docs/serial-devices.md): frames 53 59 … 54 43 at
 * 115200 8N1 reporting presence, motion, body movement, falls and stationary residence.
 */
import { MOTION_STATES } from '../../protocols/device-state.ts';
import { seeedRadarCodec as codec } from '../../protocols/codecs.ts';
import type { SerialDeviceDefinition } from '../device-definition.ts';
import { framedStream } from '../serial/framed-stream.ts';

export const seeedMr60fda2 = {
  id: 'seeed-mr60fda2',
  description: 'Seeed MR60FDA2 60 GHz mmWave fall-detection radar (UART, 115200 8N1)',
  transport: 'serial',
  serial: codec.line,
  // Its heartbeat comes every few seconds, presence reports on every change: two minutes of silence is a dead radar.
  reportIntervalMs: 120_000,
  createStream: () => framedStream(codec),
  exposes: [
    { name: 'fall', type: 'binary', description: 'A fall was detected' },
    { name: 'presence', type: 'binary', description: 'Someone is in the radar\'s field' },
    { name: 'motion', type: 'enum', values: MOTION_STATES, description: 'None, stationary or moving' },
    { name: 'body-movement', type: 'numeric', min: 0, max: 100, description: 'Body movement parameter' },
    { name: 'stationary-residence', type: 'binary', description: 'Someone stayed still longer than the residence time' },
    { name: 'heart-rate', type: 'numeric', unit: '/min', description: 'Heart rate, where the firmware reports it' },
    { name: 'respiratory-rate', type: 'numeric', unit: '/min', description: 'Breathing rate, where the firmware reports it' },
  ],
} as const satisfies SerialDeviceDefinition;
