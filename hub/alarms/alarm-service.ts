/**
 * Raises, acknowledges and resolves alarms. Every change is written — the alarm
 * record and its Event in one fsynced batch — before listeners (the panel) hear
 * of it, so an alarm anyone has seen survives a power cut (promise 1, docs/architecture.md#promises).
 */
import { randomFillSync } from 'node:crypto';
import type { Actor, AlarmState } from '../../protocols/event.ts';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { EventLog } from '../store/event-log.ts';
import type { KvStore } from '../store/kv-store.ts';
import { ALARM_PREFIX, alarmKey, prefixEnd } from '../store/keys.ts';
import type { AlarmCommand } from './alarm-command.ts';
import { canTransition, type Alarm } from './alarm.ts';

export interface AlarmServiceOptions {
  store: KvStore;
  log: EventLog;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
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

const PRIORITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

export class AlarmService {
  /** open (not resolved) alarms, keyed by alarm id */
  private readonly open = new Map<string, Alarm>();
  /** open alarm id, keyed by de-duplication key */
  private readonly byKey = new Map<string, string>();
  private readonly listeners = new Set<AlarmListener>();
  /** Alarm changes run one at a time so two raises of one key cannot both create an alarm. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: AlarmServiceOptions) {}

  async start(): Promise<void> {
    const rows = await this.options.store.entries<Alarm>({ gte: ALARM_PREFIX, lt: prefixEnd(ALARM_PREFIX) });
    for (const [, alarm] of rows) this.index(alarm);
    this.options.metrics.define('alarms_open', 'gauge', 'Open (active or acknowledged) alarms', () => this.open.size);
    this.options.logger.info({ open: this.open.size }, 'alarms restored');
  }

  async stop(): Promise<void> {
    await this.tail.catch(() => undefined);
    this.listeners.clear();
  }

  /** Open alarms, most urgent first, then oldest first. */
  list(): Alarm[] {
    return [...this.open.values()].sort(
      (a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.raisedAt.localeCompare(b.raisedAt),
    );
  }

  get(id: string): Alarm | undefined {
    return this.open.get(id);
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
      lifecycle: [],
    };
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
        alarm.lifecycle.push({ state: 'active', at: now, by: { kind: 'rule', id: ruleId }, eventId: event.id });
        return [{ type: 'put', key: alarmKey(alarm.id), value: alarm }];
      },
    );
    this.index(alarm);
    this.options.metrics.inc('alarms_raised_total', { type: alarm.type, priority: alarm.priority });
    this.options.logger.info({ alarmId: alarm.id, key: alarm.key, priority: alarm.priority }, 'alarm raised');
    this.emit(alarm);
    return alarm;
  }

  private async transitionById(id: string, to: AlarmState, by: Actor): Promise<Alarm> {
    const alarm = this.open.get(id);
    if (!alarm) throw new AlarmError('not-found', `no open alarm ${id}`);
    return this.transition(alarm, to, by);
  }

  private async transition(alarm: Alarm, to: AlarmState, by: Actor, note?: string): Promise<Alarm> {
    if (!canTransition(alarm.state, to)) {
      throw new AlarmError('invalid-transition', `alarm ${alarm.id} is ${alarm.state}; cannot become ${to}`);
    }
    const now = new Date(this.options.clock.now()).toISOString();
    const next: Alarm = { ...alarm, state: to, lifecycle: [...alarm.lifecycle] };
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
        next.lifecycle.push({ state: to, at: now, by, eventId: event.id });
        // Resolved alarms live on at the relay, not on the hub.
        return [to === 'resolved' ? { type: 'del', key: alarmKey(alarm.id) } : { type: 'put', key: alarmKey(alarm.id), value: next }];
      },
    );
    if (to === 'resolved') this.unindex(next);
    else this.index(next);
    this.options.metrics.inc('alarm_transitions_total', { to });
    this.options.logger.info({ alarmId: alarm.id, state: to, by }, 'alarm updated');
    this.emit(next);
    return next;
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
