/**
 * A serial device's stream (docs/devices.md#serial): a registered codec's framer and decoder
 * (protocols/codecs.ts) and the shared conversion of its readings and states into device inputs, for one port.
 *
 * Devices such as the CMS50 send 60 frames a second that mostly repeat the last one. Storing each as
 * an Event would fill the log with copies, so a state is handed on when it changes, and a reading
 * when its value changes or every `repeatEvery` frames otherwise (once a second at 60 Hz), so a
 * steady value still shows the device is alive. reset() forgets the last values: after a reopen the
 * first frame reports everything again.
 */
import type { SerialCodec, SerialDecoded } from '../../protocols/codecs.ts';
import type { DeviceState } from '../../protocols/device-state.ts';
import type { SerialState } from '../../protocols/serial/index.ts';
import type { DeviceOutput, SerialStream, StreamResult } from '../device-definition.ts';

export interface FramedStreamOptions {
  /** Frames between repeats of an unchanged reading (default 60). */
  repeatEvery?: number;
}

export function framedStream(codec: SerialCodec, options: FramedStreamOptions = {}): SerialStream {
  const repeatEvery = options.repeatEvery ?? 60;
  let results: StreamResult[] = [];
  const framer = codec.createFramer({
    onReject: (code, raw) => results.push({ ok: false, code, message: `${raw.length} bytes rejected: ${code}`, raw }),
  });
  /** last value handed on and frames since, keyed by metric */
  let lastReading = new Map<string, { value: number; age: number }>();
  /** last state handed on, as JSON, keyed by state kind */
  let lastState = new Map<string, string>();

  const convert = (decoded: SerialDecoded): DeviceOutput[] => {
    const outputs: DeviceOutput[] = [];
    for (const state of decoded.states ?? []) {
      const converted = toDeviceState(state);
      const key = JSON.stringify(converted);
      if (lastState.get(converted.kind) === key) continue;
      lastState.set(converted.kind, key);
      outputs.push({ input: { kind: 'state', state: converted } });
    }
    for (const last of lastReading.values()) last.age++;
    for (const r of decoded.readings ?? []) {
      const last = lastReading.get(r.metric);
      if (last && last.value === r.value && last.age < repeatEvery) continue;
      lastReading.set(r.metric, { value: r.value, age: 0 });
      outputs.push({ input: { kind: 'reading', metric: r.metric, value: r.value } });
    }
    return outputs;
  };

  return {
    push(bytes) {
      results = [];
      const frames = framer.push(bytes);
      // Rejects were collected while framing; the frames follow them, in order.
      for (const frame of frames) {
        try {
          results.push({ ok: true, outputs: convert(codec.decode(frame)) });
        } catch (err) {
          const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'decode-failed';
          results.push({ ok: false, code, message: (err as Error).message, raw: frame });
        }
      }
      return results;
    },
    reset() {
      framer.reset();
      lastReading = new Map();
      lastState = new Map();
    },
  };
}

/** Serial codecs call a measuring device's technical state `device-status`; as a device input it is a `sensor` state. */
function toDeviceState(state: SerialState): DeviceState {
  return state.kind === 'device-status' ? { kind: 'sensor', status: state.status } : state;
}
