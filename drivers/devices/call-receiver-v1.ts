/**
 * Nurse-call receiver, frame format v1 (docs/serial-call-receiver.md): a radio receiver on a
 * USB-UART bridge that forwards every call point's press, cancel, pull-cord, heartbeat and
 * low-battery report as an 11-byte frame. It relays many call points: each output carries the
 * call point's address and the receiver's own address byte, which the hub checks against its config.
 */
import { CALL_POINT_EVENTS } from '../../protocols/call-frame.ts';
import { CallFramer } from '../../protocols/call-framer.ts';
import type { SerialDeviceDefinition, SerialStream } from '../device-definition.ts';

export const callReceiverV1 = {
  id: 'call-receiver-v1',
  description: 'Serial nurse-call receiver, frame format v1 (START 0xA5, CRC-16/CCITT-FALSE)',
  transport: 'serial',
  // 19200 8N1: the receiver's fixed UART setting (frame format v1).
  serial: { baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 },
  // No default `match`: the receiver sits behind a generic USB-UART bridge (FTDI, CP210x, CH340)
  // whose vendor/product ids other devices share, so a default would grab the wrong port. Each
  // installation names its receiver by serial number or /dev/serial/by-id link in the hub config.
  relays: true,
  createStream: (): SerialStream => {
    const framer = new CallFramer();
    return {
      push: (bytes) =>
        framer.push(bytes).map((out) =>
          out.ok
            ? {
                ok: true,
                outputs: [
                  {
                    input: { kind: 'call-point', event: out.frame.event, deviceSeq: out.frame.seq, battery: out.frame.battery },
                    address: out.frame.callPoint,
                    relayAddress: out.frame.receiver,
                  },
                ],
              }
            : { ok: false, code: out.code, message: out.message, raw: out.raw },
        ),
      reset: () => framer.reset(),
    };
  },
  exposes: [
    { name: 'event', type: 'enum', values: CALL_POINT_EVENTS, description: 'What the call point reported' },
    { name: 'call_point', type: 'numeric', min: 1, max: 65534, description: 'Call-point address on this receiver' },
    { name: 'seq', type: 'numeric', min: 0, max: 65535, description: 'Per-call-point sequence number, for de-duplication' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level (heartbeat and low-battery frames)' },
  ],
} as const satisfies SerialDeviceDefinition;
