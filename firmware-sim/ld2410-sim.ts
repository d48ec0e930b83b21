/**
 * A HLK-LD2410 24 GHz presence radar on a serial line (docs/serial-devices.md, "Hi-Link LD2410";
 * docs/firmware-sim.md#radars): in its default basic mode it reports the target state and
 * distances continuously, about ten times a second. Frames come from encodeLd2410Report.
 */
import type { Clock } from '../drivers/clock.ts';
import { encodeLd2410Report, type Ld2410ReportFields, type Ld2410Target } from '../protocols/serial/index.ts';
import type { SimPort } from './sim-serial-port.ts';
import { every } from './ticker.ts';

export interface Ld2410SimOptions {
  port: SimPort;
  clock: Clock;
  /** Report period, ms (default 100). */
  everyMs?: number;
}

export interface Ld2410Scene {
  target: Ld2410Target;
  /** Distance of the person, cm (default 150). */
  distanceCm?: number;
}

export interface Ld2410Sim {
  start(): void;
  stop(): void;
  set(scene: Ld2410Scene): void;
  readonly reportsSent: number;
}

const TARGET_BYTE: Record<Ld2410Target, number> = { none: 0, moving: 1, stationary: 2, both: 3 };

/** The basic report for a scene: energies 0–100 where the target is, nothing where it is not. */
export function ld2410Fields(scene: Ld2410Scene): Ld2410ReportFields {
  const d = scene.distanceCm ?? 150;
  const moving = scene.target === 'moving' || scene.target === 'both';
  const still = scene.target === 'stationary' || scene.target === 'both';
  return {
    targetState: TARGET_BYTE[scene.target],
    movingDistanceCm: moving ? d : 0,
    movingEnergy: moving ? 60 : 0,
    staticDistanceCm: still ? d : 0,
    staticEnergy: still ? 80 : 0,
    detectionDistanceCm: scene.target === 'none' ? 0 : d,
    engineering: null,
  };
}

export function createLd2410Sim(options: Ld2410SimOptions): Ld2410Sim {
  let scene: Ld2410Scene = { target: 'none' };
  let stopTicker: (() => void) | null = null;
  let reportsSent = 0;
  return {
    get reportsSent() {
      return reportsSent;
    },
    start() {
      if (stopTicker) return;
      stopTicker = every(options.clock, options.everyMs ?? 100, () => {
        void options.port.write(encodeLd2410Report(ld2410Fields(scene))).then((ok) => {
          if (ok) reportsSent++;
        });
      });
    },
    stop() {
      stopTicker?.();
      stopTicker = null;
    },
    set(next) {
      scene = { ...next };
    },
  };
}
