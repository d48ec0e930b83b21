/**
 * Raises, acknowledges, resolves and escalates alarms. Every change is written — the alarm record,
 * its Event and its audit-trail entry in one fsynced batch — before listeners (the panel) hear of
 * it, so an alarm anyone has seen survives a power cut (promise 1, docs/architecture.md#promises).
 *
 * Escalation (docs/alarms.md#escalation) runs on one Clock timer for all open alarms, armed at the
 * earliest due time: a flood of 500 alarms is 500 records and one timer, not 500 timers.
 */
import { randomFillSync } from 'node:crypto';
import type { Actor, AlarmState } from '../../protocols/event.ts';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { EventLog } from '../store/event-log.ts';
import type { KvOp, KvStore } from '../store/kv-store.ts';
import { ALARM_PREFIX, alarmKey, prefixEnd } from '../store/keys.ts';
import type { AlarmCommand } from './alarm-command.ts';
import { appendTransition, canTransition, compareAlarms, type Alarm } from './alarm.ts';
import { alarmAuditOp, lastAlarmAuditNumber, readAlarmAuditTrail, type AlarmAuditAction, type AlarmAuditEntry } from './audit-trail.ts';
import { DEFAULT_ALARMS_CONFIG, escalationStep, nextDueAt, type AlarmsConfig, type EscalationStep } from './escalation.ts';

export interface AlarmServiceOptions {
  store: KvStore;
  log: EventLog;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Escalation times and tiers (the config's `alarms` section); the defaults when absent. */
  escalation?: AlarmsConfig;
}

export class AlarmError extends Error {
  constructor(
    readonly code: 'not-found' | 'invalid-transition',
    message: string,
  ) {
    super(message);
  }
}

export type AlarmListener = (alarm: Alarm) => void;

/** Who escalates and brings alarms back: the hub itself. */
const ENGINE: Actor = { kind: 'system', id: 'escalation' };

/** After a failed escalation write, try again this much later rather than at once (a full or failing disk would spin). */
const RETRY_MS = 1000;

export class AlarmService {
  /** open (not resolved) alarms, keyed by alarm id */
  private readonly open = new Map<string, Alarm>();
  /** open alarm id, keyed by de-duplication key */
  private readonly byKey = new Map<string, string>();
  private readonly listeners = new Set<AlarmListener>();
  /** escalations written, keyed by audience */
  private readonly escalated = new Map<string, number>();
  /** Alarm changes run one at a time so two raises of one key cannot both create an alarm. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The one escalation timer, armed at the earliest due time of any open alarm. */
  private timer: { at: number; handle: unknown } | null = null;
  private running = false;
  /** number of the last audit-trail entry (hub/alarms/audit-trail.ts) */
  private auditNumber = 0;
  private readonly config: AlarmsConfig;

  constructor(private readonly options: AlarmServiceOptions) {
    this.config = options.escalation ?? DEFAULT_ALARMS_CONFIG;
  }

  async start(): Promise<void> {
    const rows = await this.options.store.entries<Alarm>({ gte: ALARM_PREFIX, lt: prefixEnd(ALARM_PREFIX) });
    for (const [, alarm] of rows) this.index(this.upgrade(alarm));
    this.auditNumber = await lastAlarmAuditNumber(this.options.store);
    this.options.metrics.define('alarms_open', 'gauge', 'Open (active or acknowledged) alarms', () => this.open.size);
    this.options.metrics.define(
      'alarm_escalations_total',
      'counter',
      'Alarms announced again one tier up because nobody acknowledged them in time, by the tier\'s audience (room, all-panels, on-call)',
      () => [...this.escalated].map(([audience, n]) => [{ audience }, n]),
    );
    this.running = true;
    // Due times come from the stored records, so a restart resumes the original schedule (docs/alarms.md#restart).
    this.rearm();
    this.options.logger.info({ open: this.open.size }, 'alarms restored');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.disarm();
    await this.tail.catch(() => undefined);
    this.listeners.clear();
  }

  /** Open alarms, most urgent first, then oldest first. */
  list(): Alarm[] {
    return [...this.open.values()].sort(compareAlarms);
  }

  get(id: string): Alarm | undefined {
    return this.open.get(id);
  }

  /** The hub's audit trail of alarm transitions, in time order (docs/alarms.md#audit-trail). */
  auditTrail(alarmId?: string): Promise<AlarmAuditEntry[]> {
    return readAlarmAuditTrail(this.options.store, alarmId);
  }

  /** When the escalation timer will fire (clock ms), or null when none is armed. For tests and the status page. */
  get nextWakeAt(): number | null {
    return this.timer?.at ?? null;
  }

  /** Resolves once every change queued so far (an escalation a timer started included) is written and announced. */
  whenIdle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  onChange(listener: AlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a rule's command; resolves to the alarm that changed, or null when nothing did. */
  apply(command: AlarmCommand, ruleId: string): Promise<Alarm | null> {
    return this.serial(async () => {
      const existingId = this.byKey.get(command.key);
      const existing = existingId ? this.open.get(existingId) : undefined;
      if (command.op === 'clear') {
        return existing ? this.transition(existing, 'resolved', command.by, command.reason) : null;
      }
      if (existing) {
        const repeated = { ...existing, repeats: existing.repeats + 1 };
        await this.options.store.batch([{ type: 'put', key: alarmKey(existing.id), value: repeated }], { sync: false });
        this.index(repeated);
        this.options.metrics.inc('alarm_repeats_total', { type: command.type });
        this.emit(repeated);
        return repeated;
      }
      return this.raise(command, ruleId);
    });
  }

  acknowledge(id: string, by: Actor): Promise<Alarm> {
    return this.serial(() => this.transitionById(id, 'acknowledged', by));
  }

  resolve(id: string, by: Actor): Promise<Alarm> {
    return this.serial(() => this.transitionById(id, 'resolved', by));
  }

  private async raise(command: Extract<AlarmCommand, { op: 'raise' }>, ruleId: string): Promise<Alarm> {
    const now = new Date(this.options.clock.now()).toISOString();
    const alarm: Alarm = {
      id: uuidv7(this.options.clock.now(), randomFillSync(new Uint8Array(10))),
      key: command.key,
      type: command.type,
      priority: command.priority,
      state: 'active',
      ruleId,
      reason: command.reason,
      ...(command.roomId && { roomId: command.roomId }),
      ...(command.deviceId && { deviceId: command.deviceId }),
      ...(command.residentId && { residentId: command.residentId }),
      raisedAt: now,
      repeats: 0,
      tier: 0,
      audience: this.config.tiers[0]!,
      announcedAt: now,
      escalations: 0,
      lifecycle: [],
    };
    const by: Actor = { kind: 'rule', id: ruleId };
    await this.options.log.append(
      {
        kind: 'alarm',
        hubTime: now,
        roomId: alarm.roomId,
        deviceId: alarm.deviceId,
        residentId: alarm.residentId,
        payload: {
          alarmId: alarm.id,
          key: alarm.key,
          type: alarm.type,
          priority: alarm.priority,
          state: 'active',
          ruleId,
          reason: alarm.reason,
          ...(command.causeEventId && { causeEventId: command.causeEventId }),
        },
      },
      (event) => {
        alarm.lifecycle.push({ state: 'active', at: now, by, eventId: event.id });
        return [
          { type: 'put', key: alarmKey(alarm.id), value: alarm },
          this.audit({ at: now, alarmId: alarm.id, key: alarm.key, action: 'raised', by, eventId: event.id, tier: 0 }),
        ];
      },
    );
    this.index(alarm);
    this.options.metrics.inc('alarms_raised_total', { type: alarm.type, priority: alarm.priority });
    this.options.logger.info({ alarmId: alarm.id, key: alarm.key, priority: alarm.priority }, 'alarm raised');
    this.emit(alarm);
    this.armBy(nextDueAt(alarm, this.config));
    return alarm;
  }

  private async transitionById(id: string, to: AlarmState, by: Actor): Promise<Alarm> {
    const alarm = this.open.get(id);
    if (!alarm) throw new AlarmError('not-found', `no open alarm ${id}`);
    return this.transition(alarm, to, by);
  }

  /** `announcedAt` is given when the engine brings an acknowledged alarm back (its due time). */
  private async transition(alarm: Alarm, to: AlarmState, by: Actor, note?: string, announcedAt?: string): Promise<Alarm> {
    if (!canTransition(alarm.state, to) || (to === 'active' && announcedAt === undefined)) {
      throw new AlarmError('invalid-transition', `alarm ${alarm.id} is ${alarm.state}; cannot become ${to}`);
    }
    const now = new Date(this.options.clock.now()).toISOString();
    let next: Alarm = { ...alarm, state: to, ...(announcedAt !== undefined && { announcedAt }) };
    await this.options.log.append(
      {
        kind: 'alarm-update',
        hubTime: now,
        roomId: alarm.roomId,
        deviceId: alarm.deviceId,
        residentId: alarm.residentId,
        payload: { alarmId: alarm.id, state: to, by, ...(note && { note }) },
      },
      (event) => {
        next = { ...next, lifecycle: appendTransition(alarm.lifecycle, { state: to, at: now, by, eventId: event.id, ...(note && { note }) }) };
        const audit = this.audit({ at: now, alarmId: alarm.id, key: alarm.key, action: auditAction(to, by), by, eventId: event.id, tier: alarm.tier, ...(note && { note }) });
        // Resolved alarms live on at the relay and in the audit trail, not in the hub's open set.
        return [to === 'resolved' ? { type: 'del', key: alarmKey(alarm.id) } : { type: 'put', key: alarmKey(alarm.id), value: next }, audit];
      },
    );
    if (to === 'resolved') this.unindex(next);
    else this.index(next);
    this.options.metrics.inc('alarm_transitions_total', { to });
    this.options.logger.info({ alarmId: alarm.id, state: to, by }, 'alarm updated');
    this.emit(next);
    this.armBy(nextDueAt(next, this.config));
    return next;
  }

  /** Announces an alarm again (escalation) or brings it back (return), as `escalationStep` decided. */
  private async announce(alarm: Alarm, step: EscalationStep): Promise<void> {
    const dueAt = new Date(step.dueAt).toISOString();
    if (step.kind === 'return') {
      await this.transition(alarm, 'active', ENGINE, `acknowledged and not resolved within ${this.config.returnAfterS} s`, dueAt);
      return;
    }
    const now = new Date(this.options.clock.now()).toISOString();
    const next: Alarm = { ...alarm, tier: step.tier, audience: step.audience, announcedAt: dueAt, escalations: step.count };
    await this.options.log.append(
      {
        kind: 'alarm-escalation',
        hubTime: now,
        roomId: alarm.roomId,
        deviceId: alarm.deviceId,
        residentId: alarm.residentId,
        payload: { alarmId: alarm.id, tier: step.tier, audience: step.audience, count: step.count, dueAt },
      },
      (event) => [
        { type: 'put', key: alarmKey(alarm.id), value: next },
        this.audit({ at: now, alarmId: alarm.id, key: alarm.key, action: 'escalated', by: ENGINE, eventId: event.id, tier: step.tier, note: `to ${step.audience}` }),
      ],
    );
    this.index(next);
    this.escalated.set(step.audience, (this.escalated.get(step.audience) ?? 0) + 1);
    this.options.logger.warn({ alarmId: alarm.id, tier: step.tier, audience: step.audience, count: step.count }, 'alarm escalated');
    this.emit(next);
  }

  /** Runs every step that is due, then re-arms the timer at the next due time. */
  private escalateDue(): Promise<void> {
    return this.serial(async () => {
      if (!this.running) return;
      const now = this.options.clock.now();
      const work: Array<Promise<void>> = [];
      for (const alarm of this.open.values()) {
        const step = escalationStep(alarm, now, this.config);
        // Appended together, so a flood's escalations share fsynced batches (docs/architecture.md#durability).
        if (step) work.push(this.announce(alarm, step));
      }
      const failed = (await Promise.allSettled(work)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const f of failed) this.options.logger.error({ err: f.reason }, 'alarm escalation not written; retrying');
      this.rearm(failed.length > 0 ? now + RETRY_MS : undefined);
    });
  }

  /** Arms the timer at the earliest due time of all open alarms (a full scan), never before `notBefore`. */
  private rearm(notBefore?: number): void {
    this.disarm();
    let earliest: number | null = null;
    for (const alarm of this.open.values()) {
      const due = nextDueAt(alarm, this.config);
      if (due !== null && (earliest === null || due < earliest)) earliest = due;
    }
    if (earliest !== null) this.armBy(notBefore === undefined ? earliest : Math.max(earliest, notBefore));
  }

  /**
   * Makes sure the timer fires no later than `at`. A later or absent due time (an acknowledge, a
   * resolve) leaves an earlier timer armed: it may then fire with nothing due, and re-arms by a scan.
   * That keeps a raise O(1) in a flood.
   */
  private armBy(at: number | null): void {
    if (at === null || !this.running) return;
    if (this.timer && this.timer.at <= at) return;
    this.disarm();
    const handle = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.escalateDue().catch((err: unknown) => this.options.logger.error({ err }, 'alarm escalation failed'));
    }, Math.max(0, at - this.options.clock.now()));
    this.timer = { at, handle };
  }

  private disarm(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer.handle);
    this.timer = null;
  }

  /** The audit-trail op for a transition; called while its event's batch is built, so numbers follow seq order. */
  private audit(entry: AlarmAuditEntry): KvOp {
    return alarmAuditOp(++this.auditNumber, entry);
  }

  /** Records stored before escalation existed get its fields: tier 0, announced when raised. */
  private upgrade(alarm: Alarm): Alarm {
    const tier = Math.min(alarm.tier ?? 0, this.config.tiers.length - 1);
    return { ...alarm, tier, audience: this.config.tiers[tier]!, announcedAt: alarm.announcedAt ?? alarm.raisedAt, escalations: alarm.escalations ?? 0 };
  }

  private index(alarm: Alarm): void {
    this.open.set(alarm.id, alarm);
    this.byKey.set(alarm.key, alarm.id);
  }

  private unindex(alarm: Alarm): void {
    this.open.delete(alarm.id);
    if (this.byKey.get(alarm.key) === alarm.id) this.byKey.delete(alarm.key);
  }

  private emit(alarm: Alarm): void {
    for (const listener of this.listeners) {
      try {
        listener(alarm);
      } catch (err) {
        this.options.logger.error({ err }, 'alarm listener failed');
      }
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** A resolve by the device at the bedside is a cancel (DIN VDE 0834 practice, hub/rules/call-point.ts). */
function auditAction(to: AlarmState, by: Actor): AlarmAuditAction {
  if (to === 'resolved') return by.kind === 'device' ? 'cancelled' : 'resolved';
  return to === 'active' ? 'returned' : 'acknowledged';
}
