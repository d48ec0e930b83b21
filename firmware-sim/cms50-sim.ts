/**
 * A Contec CMS50 fingertip oximeter on a serial line (docs/serial-devices.md, docs/firmware-sim.md#cms50),
 * driven by a resident's vitals. Every byte comes from the protocols/serial encoders.
 *
 * - `legacy`: streams 5-byte frames unasked, 60 a second, from start() on.
 * - `v7`: silent until the host sends "start real-time" (0x7D A1); then 60 real-time packets a
 *   second. It stops on "stop real-time" (A2), and, like the real unit, when the host has sent no
 *   keep-alive (AF) or new start for `keepAliveTimeoutMs` [V7.0: the host informs the device every 5 s].
 *
 * Pacing: a PTY ignores the baud rate (docs/adding-a-device.md#serial-pitfalls), so the sim owes
 * frames by the clock: each tick writes the frames due since streaming began (at most one second's
 * worth after a stall), which is 60 Hz on average whatever the timer's granularity.
 */
import type { Clock } from '../drivers/clock.ts';
import {
  CMS50_V7_COMMANDS,
  CMS50_V7_DOWNLINK_LENGTHS,
  createCms50V7Framer,
  encodeCms50Legacy,
  encodeCms50V7RealTime,
  unpackCms50V7,
  type Cms50LegacyFields,
  type Cms50Protocol,
  type Cms50V7RealTimeFields,
} from '../protocols/serial/index.ts';
import type { SimPort } from './sim-serial-port.ts';
import { every } from './ticker.ts';
import type { Vitals } from './vitals.ts';

export interface Cms50SimOptions {
  protocol: Cms50Protocol;
  port: SimPort;
  clock: Clock;
  /** The resident's vitals now. */
  vitals: () => Vitals;
  /** Frames a second (60, the CMS50's real-time rate). */
  rateHz?: number;
  /** How often the sim wakes to write the frames it owes, ms (default 50). */
  tickMs?: number;
  /** V7: stop streaming after this long without a keep-alive or start, ms (default 15 000: three missed 5 s keep-alives). */
  keepAliveTimeoutMs?: number;
}

export interface Cms50Sim {
  /** Powers the device on: legacy streams at once, V7 listens for the start command. */
  start(): void;
  stop(): void;
  readonly streaming: boolean;
  readonly framesSent: number;
  /** V7 control commands received (payload byte 1 of each 0x7D packet), in order. */
  readonly commands: readonly number[];
}

/** The V7 real-time fields for these vitals; `frame` counts frames since streaming began (for the waveform). */
export function cms50V7Fields(v: Vitals, frame: number, rateHz = 60): Cms50V7RealTimeFields {
  if (!v.fingerIn) {
    // [V7.0] probe error: "finger out", waveform 0x40, PR 0xFF and SpO2 0x7F mean invalid.
    return { signalStrength: 0, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: true, pleth: 0x40, searching: false, barGraph: 0, piInvalid: true, pulseRate: 0xff, spo2: 0x7f, piRaw: 0xffff };
  }
  const w = wave(v, frame, rateHz);
  return {
    signalStrength: 6,
    searchingTooLong: false,
    lowSpo2: clampSpo2(v.spo2) < 90,
    pulseBeep: w.beat,
    probeError: false,
    pleth: w.pleth,
    searching: false,
    barGraph: w.bar,
    piInvalid: false,
    pulseRate: clampPulse(v.pulse),
    spo2: clampSpo2(v.spo2),
    piRaw: 250, // PI 2.50 %, a plausible fingertip value
  };
}

/** The legacy frame fields for these vitals. */
export function cms50LegacyFields(v: Vitals, frame: number, rateHz = 60): Cms50LegacyFields {
  if (!v.fingerIn) {
    // [atbrask cms50dplus.py] finger out: byte 1 bit 4 and the probe error bit, SpO2 127 (invalid), no pulse.
    return { signalStrength: 0, pulseBeep: false, lowSpo2: false, searchingTooLong: true, pleth: 0, searching: false, probeError: true, barGraph: 0, pulseRate: 0, spo2: 127 };
  }
  const w = wave(v, frame, rateHz);
  return {
    signalStrength: 8,
    pulseBeep: w.beat,
    lowSpo2: clampSpo2(v.spo2) < 90,
    searchingTooLong: false,
    pleth: w.pleth,
    searching: false,
    probeError: false,
    barGraph: w.bar,
    pulseRate: clampPulse(v.pulse),
    spo2: clampSpo2(v.spo2),
  };
}

// What the device can say: PR 1–254 (0 is "no pulse", 255 invalid), SpO2 1–100.
const clampPulse = (bpm: number): number => Math.min(254, Math.max(1, Math.round(bpm)));
const clampSpo2 = (pct: number): number => Math.min(100, Math.max(1, Math.round(pct)));

/** A pleth waveform at the pulse rate: one beat per 60/pulse s, a beep on the frame a beat starts. */
function wave(v: Vitals, frame: number, rateHz: number): { pleth: number; bar: number; beat: boolean } {
  const beatsPerFrame = clampPulse(v.pulse) / 60 / rateHz;
  const phase = frame * beatsPerFrame;
  const pleth = Math.round(64 + 50 * Math.sin(2 * Math.PI * phase));
  const beat = frame === 0 || Math.floor(phase) !== Math.floor(phase - beatsPerFrame);
  return { pleth, bar: Math.min(8, Math.round(pleth / 16)), beat };
}

export function createCms50Sim(options: Cms50SimOptions): Cms50Sim {
  const { port, clock } = options;
  const rateHz = options.rateHz ?? 60;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 15_000;
  const commands: number[] = [];
  const downlink = createCms50V7Framer({ direction: 'downlink' });
  let stopTicker: (() => void) | null = null;
  let removeListener: (() => void) | null = null;
  let streaming = false;
  let streamStart = 0;
  /** Frames owed since streamStart that were built (sent or dropped while unplugged). */
  let due = 0;
  let framesSent = 0;
  let lastHostAt = 0;

  function beginStream(): void {
    if (streaming) return;
    streaming = true;
    streamStart = clock.now();
    due = 0;
  }

  function onHostBytes(bytes: Uint8Array): void {
    for (const packet of downlink.push(bytes)) {
      let command: number;
      try {
        const { type, payload } = unpackCms50V7(packet, CMS50_V7_DOWNLINK_LENGTHS);
        if (type !== 0x7d) continue; // 0x04 sets the device id: nothing to simulate
        command = payload[0]!;
      } catch {
        continue; // the real unit ignores a malformed packet
      }
      commands.push(command);
      if (command === CMS50_V7_COMMANDS.startRealTime) {
        lastHostAt = clock.now();
        beginStream();
      } else if (command === CMS50_V7_COMMANDS.keepAlive) {
        lastHostAt = clock.now();
      } else if (command === CMS50_V7_COMMANDS.stopRealTime) {
        streaming = false;
      }
    }
  }

  function tick(): void {
    if (!streaming) return;
    const now = clock.now();
    if (options.protocol === 'v7' && now - lastHostAt > keepAliveTimeoutMs) {
      streaming = false;
      return;
    }
    const owed = Math.floor(((now - streamStart) * rateHz) / 1000) - due;
    // After a stall (a busy event loop), skip to now rather than burst more than a second.
    const skip = Math.max(0, owed - rateHz);
    due += skip;
    const count = owed - skip;
    if (count <= 0) return;
    const v = options.vitals();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < count; i++, due++) {
      frames.push(options.protocol === 'v7' ? encodeCms50V7RealTime(cms50V7Fields(v, due, rateHz)) : encodeCms50Legacy(cms50LegacyFields(v, due, rateHz)));
    }
    const bytes = concat(frames);
    void port.write(bytes).then((ok) => {
      if (ok) framesSent += count;
    });
  }

  return {
    get streaming() {
      return streaming;
    },
    get framesSent() {
      return framesSent;
    },
    commands,
    start() {
      if (stopTicker) return;
      if (options.protocol === 'v7') removeListener = port.onData(onHostBytes);
      else beginStream();
      stopTicker = every(clock, options.tickMs ?? 50, tick);
    },
    stop() {
      stopTicker?.();
      stopTicker = null;
      removeListener?.();
      removeListener = null;
      streaming = false;
      downlink.reset();
    },
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
