/**
 * The serial device driver running the call-receiver-v1 model, with each output turned back into the
 * call frame it came from, so the driver tests read frames as the receiver sent them.
 */
import type { CallFrame } from '../../protocols/call-frame.ts';
import type { DeviceOutput } from '../../drivers/device-definition.ts';
import { callReceiverV1 } from '../../drivers/devices/call-receiver-v1.ts';
import { createSerialDevice, type SerialDevice, type SerialDeviceOptions } from '../../drivers/serial/serial-device.ts';

export interface CallPointObservation {
  portId: string;
  frame: CallFrame;
}

export type CallReceiverOptions = Omit<SerialDeviceOptions, 'device' | 'onOutputs'> & { onFrame(observation: CallPointObservation): void };

export function createCallReceiver(options: CallReceiverOptions): SerialDevice {
  const { onFrame, ...rest } = options;
  return createSerialDevice({
    ...rest,
    device: callReceiverV1,
    onOutputs: (outputs) => {
      for (const output of outputs) onFrame({ portId: options.portId, frame: asFrame(output) });
    },
  });
}

function asFrame({ input, address, relayAddress }: DeviceOutput): CallFrame {
  if (input.kind !== 'call-point' || address === undefined || relayAddress === undefined) throw new Error(`not a call-point output: ${JSON.stringify(input)}`);
  return { receiver: relayAddress, callPoint: address, event: input.event, seq: input.deviceSeq, battery: input.battery };
}
