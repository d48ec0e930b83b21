/**
 * Normalise → store → decide: every device input becomes one durable Event,
 * then the rules see it. Inputs that cannot be used are counted, never thrown.
 */
import type { CallPointEvent } from '../protocols/call-frame.ts';
import type { Event } from '../protocols/event.ts';
import { VITAL_METRICS, type VitalMetric } from '../protocols/vitals.ts';
import type { CallDedup } from './call-dedup.ts';
import type { Clock } from './clock.ts';
import type { DeviceConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RuleEngine } from './rules/engine.ts';
import type { EventLog } from './store/event-log.ts';

export interface CallPointInput {
  event: CallPointEvent;
  deviceSeq: number;
  battery: number | null;
  via: 'serial' | 'mqtt' | 'zigbee2mqtt';
  deviceTime?: string;
}

export interface ReadingInput {
  metric: VitalMetric;
  value: number;
  deviceTime?: string;
}

export interface PipelineOptions {
  log: EventLog;
  engine: RuleEngine;
  dedup: CallDedup;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export class Pipeline {
  constructor(private readonly deps: PipelineOptions) {}

  /** Resolves to the stored Event, or null when the input was a duplicate. Resolves after rules ran. */
  async callPoint(device: DeviceConfig, input: CallPointInput): Promise<Event | null> {
    if (this.deps.dedup.isDuplicate(device.id, input.deviceSeq, this.deps.clock.now())) {
      this.deps.metrics.inc('inputs_duplicate_total', { via: input.via });
      this.deps.logger.debug({ deviceId: device.id, seq: input.deviceSeq }, 'duplicate call-point event dropped');
      return null;
    }
    const event = await this.deps.log.append({
      kind: 'call-point',
      deviceId: device.id,
      roomId: device.roomId,
      residentId: device.residentId,
      deviceTime: input.deviceTime,
      payload: { event: input.event, deviceSeq: input.deviceSeq, battery: input.battery, via: input.via },
    });
    this.deps.metrics.inc('inputs_total', { kind: 'call-point', via: input.via });
    await this.deps.engine.handle(event);
    return event;
  }

  async reading(device: DeviceConfig, input: ReadingInput): Promise<Event> {
    const { loinc, unit } = VITAL_METRICS[input.metric];
    const event = await this.deps.log.append({
      kind: 'reading',
      deviceId: device.id,
      roomId: device.roomId,
      residentId: device.residentId,
      deviceTime: input.deviceTime,
      payload: { metric: input.metric, loinc, value: input.value, unit },
    });
    this.deps.metrics.inc('inputs_total', { kind: 'reading', via: 'mqtt' });
    await this.deps.engine.handle(event);
    return event;
  }

  /** Counts and logs input that was refused before it became an Event. */
  reject(via: string, code: string, detail: Record<string, unknown>): void {
    this.deps.metrics.inc('inputs_rejected_total', { via, code });
    this.deps.logger.debug({ via, code, ...detail }, 'input rejected');
  }
}
