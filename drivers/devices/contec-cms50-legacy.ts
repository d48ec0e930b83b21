/**
 * Contec CMS50-class fingertip oximeter, legacy protocol (docs/serial-devices.md): 5-byte frames with
 * a sync bit, 60 a second, at 19200 8O1; the device streams without being asked.
 */
import { cms50LegacyCodec as codec } from '../../protocols/codecs.ts';
import type { SerialDeviceDefinition } from '../device-definition.ts';
import { framedStream } from '../serial/framed-stream.ts';
import { OXIMETER_EXPOSES } from '../oximeter-exposes.ts';

export const contecCms50Legacy = {
  id: 'contec-cms50-legacy',
  description: 'Contec CMS50 fingertip pulse oximeter, legacy 5-byte protocol (19200 8O1)',
  transport: 'serial',
  serial: codec.line,
  // Contec's USB cable is a Silicon Labs CP210x bridge (10c4:ea60), shared with many devices: name the port by serial number.
  createStream: () => framedStream(codec),
  exposes: OXIMETER_EXPOSES,
} as const satisfies SerialDeviceDefinition;
