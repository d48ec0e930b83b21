/**
 * Plays a scenario file's timeline (docs/firmware-sim.md#the-player) against the device sims, on an
 * injected Clock: tests pass test/fakes/fake-clock.ts, the CLI the system clock.
 *
 * Every step is scheduled at start, at its `at` after the start; steps run one at a time in time
 * order (list order for equal times), each after the previous one finished, so a press never
 * overtakes the unplug written above it. Vitals changes take effect at the step's scheduled time,
 * not when a slow step before it finished, so a drift is the same on every run.
 * A step that fails is reported and the timeline goes on: a lost MQTT connection must not stop
 * the oximeter's stream.
 */
import type { Logger } from 'pino';
import type { Clock } from '../drivers/clock.ts';
import type { CallPointEvent } from '../protocols/call-frame.ts';
import type { MotionState } from '../protocols/serial/index.ts';
import type { BleMeasurement } from './ble-sims.ts';
import type { Scenario, ScenarioStep } from './scenario-file.ts';
import type { VitalsState } from './vitals.ts';

/** What a scenario's device can be asked to do; each sim adapter implements the steps its type allows. */
export interface ScenarioDeviceSim {
  fall?(fallen: boolean): Promise<void>;
  presence?(present: boolean): Promise<void>;
  motion?(motion: MotionState): Promise<void>;
  press?(press: { callPoint?: number; event?: CallPointEvent; action?: string }): Promise<void>;
  state?(state: Record<string, boolean | number>): Promise<void>;
  availability?(online: boolean): Promise<void>;
  unplug?(): Promise<void>;
  replug?(): Promise<void>;
  measure?(measurement: BleMeasurement): Promise<void>;
}

export interface ScenarioSims {
  /** Keyed by resident id. */
  residents: ReadonlyMap<string, VitalsState>;
  /** Keyed by device id. */
  devices: ReadonlyMap<string, ScenarioDeviceSim>;
}

export interface ScenarioPlayerOptions {
  clock: Clock;
  logger?: Logger;
  onStep?(step: ScenarioStep, index: number): void;
  onError?(step: ScenarioStep, index: number, err: Error): void;
}

export interface ScenarioRun {
  executed: number;
  failed: Array<{ index: number; message: string }>;
}

export interface ScenarioPlayer {
  /** Schedules the timeline; resolves when the last step ran and the scenario's `duration` passed. */
  run(): Promise<ScenarioRun>;
  /** Cancels what has not run yet; run() then resolves with what did. */
  stop(): void;
  /** The player's time since run(), ms. */
  elapsed(): number;
}

export class ScenarioPlayerError extends Error {
  override readonly name = 'ScenarioPlayerError';
  constructor(
    readonly code: 'missing-sim' | 'unsupported-step',
    message: string,
  ) {
    super(message);
  }
}

export function createScenarioPlayer(scenario: Scenario, sims: ScenarioSims, options: ScenarioPlayerOptions): ScenarioPlayer {
  const { clock } = options;
  const log = options.logger?.child({ module: 'scenario-player' });
  // No sort needed: the clock fires timers in time order, and timers due at the same time in the
  // order they were set, which is the file's.
  const order = scenario.timeline.map((step, index) => ({ step, index }));
  const timers: unknown[] = [];
  const result: ScenarioRun = { executed: 0, failed: [] };
  let startedAt = 0;
  let chain: Promise<void> = Promise.resolve();
  let finish: () => void = () => {};
  let remaining = 0;

  function resident(step: ScenarioStep & { resident: string }): VitalsState {
    const vitals = sims.residents.get(step.resident);
    if (!vitals) throw new ScenarioPlayerError('missing-sim', `no vitals for resident ${step.resident}`);
    return vitals;
  }

  function device<K extends keyof ScenarioDeviceSim>(step: ScenarioStep & { device: string }, what: K): NonNullable<ScenarioDeviceSim[K]> {
    const sim = sims.devices.get(step.device);
    if (!sim) throw new ScenarioPlayerError('missing-sim', `no sim for device ${step.device}`);
    const fn = sim[what];
    if (!fn) throw new ScenarioPlayerError('unsupported-step', `device ${step.device} cannot ${String(what)}`);
    return fn.bind(sim) as NonNullable<ScenarioDeviceSim[K]>;
  }

  async function perform(step: ScenarioStep, at: number): Promise<void> {
    switch (step.do) {
      case 'set-vitals': {
        const { at: _at, do: _do, resident: _r, ...values } = step;
        resident(step).set(values);
        return;
      }
      case 'drift-vitals':
        resident(step).drift(step.to, step.over, at);
        return;
      case 'finger-out':
      case 'finger-in':
        resident(step).set({ fingerIn: step.do === 'finger-in' });
        return;
      case 'fall':
        return device(step, 'fall')(step.fallen);
      case 'presence':
        return device(step, 'presence')(step.present);
      case 'motion':
        return device(step, 'motion')(step.motion);
      case 'press':
        return device(step, 'press')({
          ...(step.callPoint !== undefined && { callPoint: step.callPoint }),
          ...(step.event !== undefined && { event: step.event }),
          ...(step.action !== undefined && { action: step.action }),
        });
      case 'state': {
        const { at: _at, do: _do, device: _d, ...state } = step;
        return device(step, 'state')(state as Record<string, boolean | number>);
      }
      case 'availability':
        return device(step, 'availability')(step.online);
      case 'unplug':
        return device(step, 'unplug')();
      case 'replug':
        return device(step, 'replug')();
      case 'measure':
        return device(step, 'measure')(measurementOf(step));
      case 'log':
        return;
    }
  }

  function settle(): void {
    if (--remaining === 0) finish();
  }

  return {
    elapsed: () => clock.now() - startedAt,
    run() {
      startedAt = clock.now();
      const lastAt = Math.max(scenario.duration ?? 0, ...order.map((o) => o.step.at));
      remaining = order.length + 1; // every step, and the end of the duration
      const done = new Promise<ScenarioRun>((resolve) => {
        finish = () => resolve(result);
      });
      for (const { step, index } of order) {
        const at = startedAt + step.at;
        timers.push(
          clock.setTimeout(() => {
            chain = chain.then(async () => {
              try {
                options.onStep?.(step, index);
                log?.info({ index, step }, 'scenario step');
                await perform(step, at);
                result.executed++;
              } catch (err) {
                // Never thrown out of a timer (docs/architecture.md#the-seams): reported, and the timeline goes on.
                result.failed.push({ index, message: (err as Error).message });
                log?.warn({ err, index }, 'scenario step failed');
                options.onError?.(step, index, err as Error);
              } finally {
                settle();
              }
            });
          }, step.at),
        );
      }
      timers.push(clock.setTimeout(() => void chain.then(settle), lastAt));
      return done;
    },
    stop() {
      for (const t of timers) clock.clearTimeout(t);
      timers.length = 0;
      void chain.then(() => finish());
    },
  };
}

function measurementOf(step: Extract<ScenarioStep, { do: 'measure' }>): BleMeasurement {
  // The file checker made sure the device's type has its fields (scenario-file.ts MEASURE_NEEDS).
  if (step.systolic !== undefined && step.diastolic !== undefined) return { kind: 'blood-pressure', systolic: step.systolic, diastolic: step.diastolic, ...(step.pulse !== undefined && { pulse: step.pulse }) };
  if (step.celsius !== undefined) return { kind: 'temperature', celsius: step.celsius };
  if (step.kg !== undefined) return { kind: 'weight', kg: step.kg };
  if (step.mmolPerL !== undefined) return { kind: 'glucose', mmolPerL: step.mmolPerL };
  if (step.spo2 !== undefined && step.pulse !== undefined) return { kind: 'spot-check', spo2: step.spo2, pulse: step.pulse };
  throw new ScenarioPlayerError('unsupported-step', `measure step names no complete measurement`);
}
