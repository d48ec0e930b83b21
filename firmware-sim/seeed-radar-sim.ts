/**
 * A Seeed MR60FDA2-style 60 GHz fall radar on a serial line (docs/serial-devices.md, "Seeed 60 GHz radars";
 * docs/firmware-sim.md#radars): a heartbeat ("alive") every `aliveEveryMs`, and presence, motion,
 * body-movement and fall reports when the scene changes. Frames come from encodeSeeedRadarReport.
 */
import type { Clock } from '../drivers/clock.ts';
import { encodeSeeedRadarReport, type MotionState, type SeeedRadarReport } from '../protocols/serial/index.ts';
import type { SimPort } from './sim-serial-port.ts';
import { every } from './ticker.ts';

export interface SeeedRadarSimOptions {
  port: SimPort;
  clock: Clock;
  /** Heartbeat period, ms (default 10 000). */
  aliveEveryMs?: number;
}

export interface SeeedRadarSim {
  start(): void;
  stop(): void;
  /** Sends one report now; resolves false when the port is closed (unplugged). */
  report(report: SeeedRadarReport): Promise<boolean>;
  /** Someone fell (`fallen` true) or got up; a fall also reports presence, as the radar sees a body. */
  fall(fallen?: boolean): Promise<void>;
  presence(present: boolean): Promise<void>;
  motion(motion: MotionState): Promise<void>;
  readonly sent: readonly SeeedRadarReport[];
}

export function createSeeedRadarSim(options: SeeedRadarSimOptions): SeeedRadarSim {
  const sent: SeeedRadarReport[] = [];
  let stopTicker: (() => void) | null = null;

  async function report(r: SeeedRadarReport): Promise<boolean> {
    const ok = await options.port.write(encodeSeeedRadarReport(r));
    if (ok) sent.push(r);
    return ok;
  }

  return {
    sent,
    report,
    start() {
      if (stopTicker) return;
      stopTicker = every(options.clock, options.aliveEveryMs ?? 10_000, () => void report({ kind: 'alive' }));
    },
    stop() {
      stopTicker?.();
      stopTicker = null;
    },
    async fall(fallen = true) {
      if (fallen) await report({ kind: 'presence', present: true });
      await report({ kind: 'fall', fallen });
    },
    async presence(present) {
      await report({ kind: 'presence', present });
      if (!present) await report({ kind: 'motion', motion: 'none' });
    },
    async motion(motion) {
      await report({ kind: 'motion', motion });
    },
  };
}
