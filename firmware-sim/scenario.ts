/**
 * A tiny scenario player for demos: steps run in list order, each not before `at` ms after the
 * start. Steps are data (JSON-friendly, checked with zod) so a demo script is a file, not code.
 *
 *   [{ "at": 0,    "do": "serial-call",   "callPoint": 17 },
 *    { "at": 4000, "do": "serial-cancel", "callPoint": 17 },
 *    { "at": 5000, "do": "mqtt-call",     "deviceId": "bath-12" }]
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import { CALL_POINT_EVENTS } from '../protocols/call-frame.ts';
import type { CallReceiverSim } from './call-receiver-sim.ts';
import type { MqttCallPointSim } from './mqtt-call-point-sim.ts';

const At = z.number().int().min(0).describe('ms after the scenario starts');
const CallPoint = z.number().int().min(1).max(65534);
const Battery = z.number().min(0).max(100).optional();

export const ScenarioStep = z.discriminatedUnion('do', [
  z.strictObject({ at: At, do: z.enum(['serial-call', 'serial-cancel', 'serial-pull-cord']), callPoint: CallPoint }),
  z.strictObject({ at: At, do: z.literal('serial-event'), callPoint: CallPoint, event: z.enum(CALL_POINT_EVENTS), battery: Battery }),
  z.strictObject({ at: At, do: z.literal('serial-garbage'), hex: z.string().regex(/^([0-9a-fA-F]{2}\s*)+$/, 'hex bytes') }),
  z.strictObject({ at: At, do: z.enum(['mqtt-call', 'mqtt-cancel']), deviceId: z.string().min(1) }),
  z.strictObject({ at: At, do: z.literal('mqtt-event'), deviceId: z.string().min(1), event: z.enum(CALL_POINT_EVENTS), battery: Battery }),
  z.strictObject({ at: At, do: z.literal('log'), message: z.string() }),
]);
export type ScenarioStep = z.infer<typeof ScenarioStep>;
export const Scenario = z.array(ScenarioStep);

export interface ScenarioTargets {
  serial?: Pick<CallReceiverSim, 'press' | 'writeRaw'>;
  /** Keyed by device id. */
  mqtt?: ReadonlyMap<string, Pick<MqttCallPointSim, 'press'>>;
}

export interface ScenarioOptions {
  logger?: Logger;
  /** Time source and wait; the defaults are real time. Tests pass virtual ones. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  onStep?: (step: ScenarioStep, index: number) => void;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly code: 'invalid-scenario' | 'missing-target' | 'aborted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Validates unknown input (parsed JSON) as a scenario; every issue is reported with its path. */
export function parseScenario(input: unknown): ScenarioStep[] {
  const result = Scenario.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new ScenarioError('invalid-scenario', `invalid scenario: ${issues}`, { cause: result.error });
}

export async function runScenario(steps: readonly ScenarioStep[], targets: ScenarioTargets, options: ScenarioOptions = {}): Promise<{ executed: number }> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.logger?.child({ module: 'scenario' });
  const startedAt = now();
  let executed = 0;
  for (const [index, step] of steps.entries()) {
    const wait = startedAt + step.at - now();
    if (wait > 0) await sleep(wait);
    if (options.signal?.aborted) throw new ScenarioError('aborted', `scenario aborted before step ${index}`, { cause: options.signal.reason });
    options.onStep?.(step, index);
    log?.info({ index, step }, 'scenario step');
    await runStep(step, index, targets);
    executed++;
  }
  return { executed };
}

async function runStep(step: ScenarioStep, index: number, targets: ScenarioTargets): Promise<void> {
  switch (step.do) {
    case 'serial-call':
    case 'serial-cancel':
    case 'serial-pull-cord': {
      const event = step.do === 'serial-call' ? 'call' : step.do === 'serial-cancel' ? 'cancel' : 'pull-cord';
      await serial(targets, index).press(step.callPoint, event);
      return;
    }
    case 'serial-event':
      await serial(targets, index).press(step.callPoint, step.event, step.battery === undefined ? {} : { battery: step.battery });
      return;
    case 'serial-garbage':
      await serial(targets, index).writeRaw(Uint8Array.from(step.hex.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16)));
      return;
    case 'mqtt-call':
    case 'mqtt-cancel':
      await mqtt(targets, index, step.deviceId).press(step.do === 'mqtt-call' ? 'call' : 'cancel');
      return;
    case 'mqtt-event':
      await mqtt(targets, index, step.deviceId).press(step.event, step.battery === undefined ? {} : { battery: step.battery });
      return;
    case 'log':
      return; // logged by the runner
  }
}

function serial(targets: ScenarioTargets, index: number): NonNullable<ScenarioTargets['serial']> {
  if (!targets.serial) throw new ScenarioError('missing-target', `step ${index} needs a serial receiver sim`);
  return targets.serial;
}

function mqtt(targets: ScenarioTargets, index: number, deviceId: string): Pick<MqttCallPointSim, 'press'> {
  const sim = targets.mqtt?.get(deviceId);
  if (!sim) throw new ScenarioError('missing-target', `step ${index} needs an MQTT call point sim for ${deviceId}`);
  return sim;
}
