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
    const now = this.deps.clock.now();
    if (this.deps.dedup.isDuplicate(device.id, input.deviceSeq, now)) {
      this.deps.metrics.inc('inputs_duplicate_total', { via: input.via });
      this.deps.logger.debug({ deviceId: device.id, seq: input.deviceSeq }, 'duplicate call-point event dropped');
      return null;
    }
    // Seen now so a repeat arriving while this one is written is dropped; forgotten if storing or
    // deciding fails, so the device's retry of the same seq is processed, not discarded.
    this.deps.dedup.remember(device.id, input.deviceSeq, now);
    try {
      const event = await this.deps.log.append(
        {
          kind: 'call-point',
          deviceId: device.id,
          roomId: device.roomId,
          residentId: device.residentId,
          deviceTime: input.deviceTime,
          payload: { event: input.event, deviceSeq: input.deviceSeq, battery: input.battery, via: input.via },
        },
        [],
        { evaluate: true },
      );
      this.deps.metrics.inc('inputs_total', { kind: 'call-point', via: input.via });
      await this.decide(event);
      return event;
    } catch (err) {
      this.deps.dedup.forget(device.id, input.deviceSeq);
      throw err;
    }
  }

  async reading(device: DeviceConfig, input: ReadingInput): Promise<Event> {
    const { loinc, unit } = VITAL_METRICS[input.metric];
    const event = await this.deps.log.append(
      {
        kind: 'reading',
        deviceId: device.id,
        roomId: device.roomId,
        residentId: device.residentId,
        deviceTime: input.deviceTime,
        payload: { metric: input.metric, loinc, value: input.value, unit },
      },
      [],
      { evaluate: true },
    );
    this.deps.metrics.inc('inputs_total', { kind: 'reading', via: 'mqtt' });
    await this.decide(event);
    return event;
  }

  /**
   * Runs the rules over inputs that were stored but not evaluated when the hub
   * last stopped (a power cut between storing a call and raising its alarm).
   * Call before any device can talk.
   */
  async replayUnevaluated(): Promise<number> {
    const events = await this.deps.log.unevaluated();
    for (const event of events) {
      if (event.kind === 'call-point' && event.deviceId) {
        this.deps.dedup.remember(event.deviceId, event.payload.deviceSeq, this.deps.clock.now());
      }
      await this.decide(event);
    }
    if (events.length > 0) this.deps.logger.warn({ replayed: events.length }, 'replayed inputs stored before a crash but not yet evaluated');
    return events.length;
  }

  private async decide(event: Event): Promise<void> {
    await this.deps.engine.handle(event);
    this.deps.log.evaluated(event.seq);
  }

  /** Counts and logs input that was refused before it became an Event. */
  reject(via: string, code: string, detail: Record<string, unknown>): void {
    this.deps.metrics.inc('inputs_rejected_total', { via, code });
    this.deps.logger.debug({ via, code, ...detail }, 'input rejected');
  }
}
