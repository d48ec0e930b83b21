/**
 * Registry of wire codecs (docs/adding-a-device.md). A device definition in drivers/ names
 * its codec from here; adding a serial format is one codec file and one line.
 */
import { decodeCallFrame, encodeCallFrame, type CallFrame, type DecodeResult } from './call-frame.ts';
import { CallFramer } from './call-framer.ts';

export interface FrameCodec<F> {
  id: string;
  description: string;
  encode(frame: F): Uint8Array;
  decode(bytes: Uint8Array): DecodeResult;
  /** A fresh stateful framer (bytes → frames) for one stream. */
  createFramer(): CallFramer;
}

export const callFrameV1: FrameCodec<CallFrame> = {
  id: 'call-frame-v1',
  description: 'Call-point receiver frame v1: START 0xA5, LEN, body, CRC-16/CCITT-FALSE (docs/serial-call-receiver.md)',
  encode: encodeCallFrame,
  decode: decodeCallFrame,
  createFramer: () => new CallFramer(),
};

export const CODECS: readonly FrameCodec<CallFrame>[] = [callFrameV1];

export function getCodec(id: string): FrameCodec<CallFrame> | undefined {
  return CODECS.find((c) => c.id === id);
}
