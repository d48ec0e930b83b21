/**
 * Contec CMS50-class fingertip oximeter, the vendor's V7.0 protocol (docs/serial-devices.md): packets
 * at 115200 8N1, sent only after the host asks for real-time data and kept flowing by a keep-alive.
 */
import { cms50V7Codec as codec } from '../../protocols/codecs.ts';
import { CMS50_V7_KEEP_ALIVE, CMS50_V7_START } from '../../protocols/serial/index.ts';
import type { SerialDeviceDefinition } from '../device-definition.ts';
import { framedStream } from '../serial/framed-stream.ts';
import { OXIMETER_EXPOSES } from '../oximeter-exposes.ts';

export const contecCms50V7 = {
  id: 'contec-cms50-v7',
  description: 'Contec CMS50 fingertip pulse oximeter, V7.0 packet protocol (115200 8N1)',
  transport: 'serial',
  serial: codec.line,
  // [V7.0] the host sends "start real-time" and then a keep-alive every 5 s, or the unit stops streaming.
  handshake: { onOpen: CMS50_V7_START, keepAlive: { bytes: CMS50_V7_KEEP_ALIVE, everyMs: 5000 } },
  createStream: () => framedStream(codec),
  exposes: OXIMETER_EXPOSES,
} as const satisfies SerialDeviceDefinition;
