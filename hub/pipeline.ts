/**
 * Normalise → store → decide: every device input becomes one durable Event,
 * then the rules see it. Inputs that cannot be used are counted, never thrown.
 */
import type { DeviceInput, Via } from '../drivers/device-input.ts';
import type { ACVPU_LEVELS, Actor, Event, EventDraft } from '../protocols/event.ts';
import { describeMeasure, type VitalMetric } from '../protocols/vitals.ts';
import { backoffDelay } from './backoff.ts';
import { callDedupOp, type CallDedup } from './call-dedup.ts';
import type { Clock } from './clock.ts';
import type { DeviceConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RuleEngine } from './rules/engine.ts';
import type { EventLog } from './store/event-log.ts';
import { WearableFalls } from './falls/wearable-falls.ts';

export interface PipelineOptions {
  log: EventLog;
  engine: RuleEngine;
  dedup: CallDedup;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/** Re-evaluation of an input whose rules failed: 1 s, doubling, at most a minute apart. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class Pipeline {
  /** pending re-evaluation timers, keyed by the input's seq */
  private readonly retries = new Map<number, unknown>();
  private stopped = false;
  /** wearables' fall detectors: their samples stop here, only decisions go on (docs/fall-detection.md#wearables-at-the-edge) */
  private readonly wearableFalls = new WearableFalls();

  constructor(private readonly deps: PipelineOptions) {}

  /**
   * The one entry for every device input, whatever the device or transport (docs/devices.md#inputs).
   * Resolves to the stored Event after the rules ran, or null when a call point repeated a seq.
   */
  async ingest(device: DeviceConfig, input: DeviceInput, via: Via): Promise<Event | null> {
    if (input.kind === 'call-point') return this.callPoint(device, input, via);
    if (input.kind === 'accelerometer') return this.accelerometer(device, input, via);
    const event = await this.deps.log.append(this.draft(device, input, via), [], { evaluate: true });
    this.deps.metrics.inc('inputs_total', { kind: input.kind, via });
    await this.decide(event);
    return event;
  }

  private async callPoint(device: DeviceConfig, input: Extract<DeviceInput, { kind: 'call-point' }>, via: Via): Promise<Event | null> {
    const now = this.deps.clock.now();
    if (this.deps.dedup.isDuplicate(device.id, input.deviceSeq, now)) {
      this.deps.metrics.inc('inputs_duplicate_total', { via });
      this.deps.logger.debug({ deviceId: device.id, seq: input.deviceSeq }, 'duplicate call-point event dropped');
      return null;
    }
    // Seen now so a repeat arriving while this one is written is dropped; forgotten if storing or
    // deciding fails, so the device's retry of the same seq is processed, not discarded.
    this.deps.dedup.remember(device.id, input.deviceSeq, now);
    try {
      const event = await this.deps.log.append(this.draft(device, input, via), [callDedupOp(device.id, input.deviceSeq, now)], { evaluate: true });
      this.deps.metrics.inc('inputs_total', { kind: 'call-point', via });
      await this.decide(event);
      return event;
    } catch (err) {
      this.deps.dedup.forget(device.id, input.deviceSeq);
      throw err;
    }
  }

  /**
   * A wearable's raw samples feed its fall detector and are never stored (200 Hz per resident would
   * swamp the event log and the outbox); a fall it decides is stored and evaluated as the device's
   * `fall` state, which the fall rule raises. Resolves to that state's Event, else null.
   */
  private async accelerometer(device: DeviceConfig, input: Extract<DeviceInput, { kind: 'accelerometer' }>, via: Via): Promise<Event | null> {
    const result = this.wearableFalls.push(device.id, input);
    this.deps.metrics.inc('wearable_samples_total', { via }, result.samples);
    if (result.duplicates > 0) this.deps.metrics.inc('wearable_samples_duplicate_total', { via }, result.duplicates);
    if (result.reset) {
      this.deps.metrics.inc('wearable_stream_resets_total', { reason: result.reset });
      this.deps.logger.info({ deviceId: device.id, reason: result.reset }, 'wearable stream started afresh');
    }
    let stored: Event | null = null;
    for (const fall of result.falls) {
      this.deps.logger.info({ deviceId: device.id, residentId: device.residentId, atS: fall.atS, peakG: fall.peakG }, 'fall decided from a wearable');
      stored = await this.ingest(device, { kind: 'state', state: { kind: 'fall', fallen: true, impactG: Math.round(fall.peakG * 100) / 100 } }, via);
    }
    return stored;
  }

  /** The Event an input becomes: the device's room and resident, and the payload its kind defines. */
  private draft(device: DeviceConfig, input: Exclude<DeviceInput, { kind: 'accelerometer' }>, via: Via): EventDraft {
    const envelope = { deviceId: device.id, roomId: device.roomId, residentId: device.residentId, deviceTime: input.deviceTime };
    switch (input.kind) {
      case 'call-point':
        return { ...envelope, kind: 'call-point', payload: { event: input.event, deviceSeq: input.deviceSeq, battery: input.battery, via } };
      case 'reading':
        return { ...envelope, kind: 'reading', payload: { metric: input.metric, value: input.value, ...describeMeasure(input.metric) } };
      case 'state':
        return { ...envelope, kind: 'state', payload: input.state };
      case 'status':
        return {
          ...envelope,
          kind: 'device-status',
          payload: { status: input.status, ...(input.battery !== undefined && { battery: input.battery }), ...(input.detail && { detail: input.detail }) },
        };
    }
  }

  /**
   * A staff member's observation of a resident (consciousness on the ACVPU scale, air or oxygen):
   * what devices do not measure, for NEWS2 (docs/rules.md#news2). Stored and evaluated like an input.
   * Vital signs measured by hand (`vitals`) become readings like a device's, marked `enteredBy`
   * (docs/panel.md#observations). Resolves to the first event stored.
   */
  async observe(
    residentId: string,
    observation: { acvpu?: (typeof ACVPU_LEVELS)[number]; o2?: boolean; vitals?: Partial<Record<VitalMetric, number>> },
    by: Actor,
  ): Promise<Event> {
    const { vitals, ...entry } = observation;
    // Consciousness and oxygen first: a set entered together is then scored once, with them, by the
    // last vital sign, instead of first with their assumed defaults.
    let first: Event | null = null;
    if (entry.acvpu !== undefined || entry.o2 !== undefined) {
      first = await this.deps.log.append({ kind: 'observation', residentId, payload: { ...entry, by } }, [], { evaluate: true });
      this.deps.metrics.inc('inputs_total', { kind: 'observation', via: 'panel' });
      await this.decide(first);
    }
    for (const [metric, value] of Object.entries(vitals ?? {}) as Array<[VitalMetric, number]>) {
      const reading = await this.deps.log.append({ kind: 'reading', residentId, payload: { metric, value, ...describeMeasure(metric), enteredBy: by } }, [], { evaluate: true });
      this.deps.metrics.inc('inputs_total', { kind: 'reading', via: 'panel' });
      await this.decide(reading);
      first ??= reading;
    }
    if (!first) throw new Error('an observation needs acvpu, o2 or a vital sign');
    return first;
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
    try {
      await this.deps.engine.handle(event);
    } catch (err) {
      this.evaluateLater(event, 1);
      throw err;
    }
    this.deps.log.evaluated(event.seq);
  }

  /**
   * An input whose rules failed (e.g. the alarm write hit a full disk) stays unevaluated, and the
   * unevaluated mark bounds what may be forwarded (docs/architecture.md#durability). Waiting for a
   * restart to replay it would hold every later event at the hub, so it is evaluated again on a
   * backoff until it goes through: over-alarming at worst (a repeat of an active alarm only counts),
   * never a lost call.
   */
  private evaluateLater(event: Event, attempt: number): void {
    if (this.stopped || this.retries.has(event.seq)) return;
    // The hub's one backoff at its ceiling (random pinned to 1): a local retry has no crowd of hubs to spread, and 1, 2, 4 ... s stays predictable.
    const delayMs = backoffDelay(attempt - 1, RETRY_MIN_MS, RETRY_MAX_MS, () => 1);
    const timer = this.deps.clock.setTimeout(() => {
      this.retries.delete(event.seq);
      this.deps.engine.handle(event).then(
        () => {
          this.deps.log.evaluated(event.seq);
          this.deps.logger.info({ seq: event.seq, attempt }, 'input evaluated on retry');
        },
        (err: unknown) => {
          this.deps.metrics.inc('rule_retry_failures_total', {});
          this.deps.logger.warn({ err, seq: event.seq, attempt }, 'rules failed again for a stored input; retrying');
          this.evaluateLater(event, attempt + 1);
        },
      );
    }, delayMs);
    this.retries.set(event.seq, timer);
  }

  /** Cancels pending re-evaluations; whatever is still unevaluated is replayed at the next start. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.retries.values()) this.deps.clock.clearTimeout(timer);
    this.retries.clear();
  }

  /** Counts and logs input that was refused before it became an Event. */
  reject(via: string, code: string, detail: Record<string, unknown>): void {
    this.deps.metrics.inc('inputs_rejected_total', { via, code });
    this.deps.logger.debug({ via, code, ...detail }, 'input rejected');
  }
}
