/**
 * Feeds events to the rules that declared them, wakes rules at the times they asked for, keeps each
 * rule's state per scope (a resident, a device, a room) and applies their alarm commands
 * (docs/adding-a-rule.md#the-engine).
 *
 * Rule state survives a restart by being persisted, not rebuilt from the log: the outbox deletes
 * events once the relay has them, so the log cannot replay a week of readings. Each scope's state is
 * written with the seq of the last event it has seen, after the rule ran and before the event counts
 * as evaluated; an input replayed after a crash is then skipped by the scopes that already saw it, so
 * no rule counts an event twice. Wake-up times are stored with the state, so after a restart a timer
 * fires at its original time (at once, if that has passed), not a full period after the restart.
 */
import type { Event } from '../../protocols/event.ts';
import type { AlarmService } from '../alarms/alarm-service.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { KvOp, KvStore } from '../store/kv-store.ts';
import { prefixEnd, RULE_STATE_PREFIX, ruleStateKey } from '../store/keys.ts';
import { WriteCoalescer } from '../store/write-coalescer.ts';
import { GLOBAL_SCOPE, type Rule, type RuleResult } from './rule.ts';

export interface RuleEngineOptions {
  rules: readonly Rule<unknown, unknown>[];
  /** Parsed options per rule id (from config.rules, defaults applied). */
  ruleOptions: Readonly<Record<string, unknown>>;
  alarms: AlarmService;
  /** Where rule state is kept between restarts. */
  store: KvStore;
  clock: Clock;
  logger: Logger;
}

/** What is stored per rule and scope. */
interface ScopeRecord {
  state: unknown;
  /** The last event seq this scope's state includes; replayed events at or below it are skipped. */
  seq: number;
  /** When the rule asked to be woken (clock ms), or null. */
  wakeAt: number | null;
}

export class RuleEngine {
  /** scope records, keyed by rule id, then scope */
  private readonly scopes = new Map<string, Map<string, ScopeRecord>>();
  /** pending wake-up timers, keyed by ruleStateKey(rule, scope) */
  private readonly timers = new Map<string, { at: number; handle: unknown }>();
  private options: Map<string, unknown>;
  private readonly byId: Map<string, Rule<unknown, unknown>>;
  /** Events and ticks run one at a time, so a tick never sees a state an event is halfway through. */
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** state writes of events evaluated while a batch is on its way share the next batch */
  private readonly writer: WriteCoalescer;

  constructor(private readonly deps: RuleEngineOptions) {
    this.writer = new WriteCoalescer(deps.store);
    this.options = new Map(deps.rules.map((r) => [r.id, r.options.parse(deps.ruleOptions[r.id] ?? {})]));
    this.byId = new Map(deps.rules.map((r) => [r.id, r]));
  }

  /**
   * New options for every rule (a downlink changed them, docs/downlink.md#applying). All are parsed
   * before any is used, and the swap waits behind the event being evaluated, so no event sees some
   * rules with the old options and some with the new. Throws, changing nothing, when one does not parse.
   */
  replaceOptions(ruleOptions: Readonly<Record<string, unknown>>): Promise<void> {
    const parsed = new Map(this.deps.rules.map((r) => [r.id, r.options.parse(ruleOptions[r.id] ?? {})]));
    return this.serial(async () => {
      this.options = parsed;
    });
  }

  /** Loads every rule's stored state and re-arms its wake-ups. Call before any event is handled. */
  async start(): Promise<void> {
    const rows = await this.deps.store.entries<ScopeRecord>({ gte: RULE_STATE_PREFIX, lt: prefixEnd(RULE_STATE_PREFIX) });
    let restored = 0;
    for (const [key, record] of rows) {
      const [ruleId, scope] = splitKey(key);
      if (!this.byId.has(ruleId)) continue; // a rule removed from the registry leaves its state unread
      this.scopesOf(ruleId).set(scope, record);
      this.arm(ruleId, scope, record.wakeAt);
      restored++;
    }
    if (restored > 0) this.deps.logger.info({ scopes: restored }, 'rule state restored');
  }

  /** Cancels every wake-up; they are re-armed from the stored state at the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { handle } of this.timers.values()) this.deps.clock.clearTimeout(handle);
    this.timers.clear();
    await this.tail.catch(() => undefined);
    await this.writer.flushed();
  }

  /** Runs every rule that takes this event kind. Rejects when an alarm or the rule state could not be written. */
  handle(event: Event): Promise<void> {
    // Evaluation is serial; the state write is not: the next event is evaluated while this one's
    // state is on its way to disk, and the writes of the events evaluated meanwhile go in one batch.
    // An awaited batch per event inside the serial chain capped ingest at the store's round trips.
    const evaluated = this.serial(async () => {
      /** state writes of this event, all rules together: one batch, not one per rule */
      const writes: KvOp[] = [];
      for (const rule of this.deps.rules) {
        if (!rule.inputs.includes(event.kind)) continue;
        const scope = rule.scope ? rule.scope(event) : GLOBAL_SCOPE;
        if (scope === null) continue;
        const record = this.scopesOf(rule.id).get(scope);
        if (record && event.seq <= record.seq) continue; // replayed after a crash: this scope has it already
        const state = record ? record.state : rule.initialState();
        let result: RuleResult<unknown>;
        try {
          result = rule.evaluate(state, event, this.deps.clock.now(), this.options.get(rule.id));
        } catch (err) {
          // A faulty rule must not stop the others from seeing the event.
          this.deps.logger.error({ err, ruleId: rule.id, eventId: event.id }, 'rule failed');
          continue;
        }
        const write = await this.commit(rule, scope, result, event.seq, record);
        if (write) writes.push(write);
      }
      // Queued here, inside the serial chain, so state writes reach the store in evaluation order;
      // wrapped, so the chain does not wait for the write.
      return { written: this.writer.write(writes) };
    });
    // Resolves only once this event's state is written: the caller then marks the event evaluated.
    return evaluated.then(({ written }) => written);
  }

  /** Wake-ups armed now, over all rules and scopes (for tests and the status page). */
  get pendingWakeUps(): number {
    return this.timers.size;
  }

  /** Scopes a rule holds state for (for tests and the status page). */
  scopeCount(ruleId: string): number {
    return this.scopes.get(ruleId)?.size ?? 0;
  }

  /**
   * Applies a result's alarms, keeps its state and arms its wake-up; returns the state write, or null
   * when the rule returned its state unchanged (the same object) with the same wake-up. Skipping
   * those writes is what keeps a steady stream of normal readings cheap; the stored seq then lags,
   * and an input replayed after a crash is evaluated again by that scope, which changes nothing.
   */
  private async commit(rule: Rule<unknown, unknown>, scope: string, result: RuleResult<unknown>, seq: number, previous: ScopeRecord | undefined): Promise<KvOp | null> {
    // Alarms first: a state that says "alarm raised" must never be stored for an alarm that was not.
    for (const command of result.alarms) await this.deps.alarms.apply(command, rule.id);
    const previousWake = previous?.wakeAt ?? null;
    const wakeAt = result.wakeAt === undefined ? previousWake : result.wakeAt;
    const record: ScopeRecord = { state: result.state, seq, wakeAt };
    this.scopesOf(rule.id).set(scope, record);
    this.arm(rule.id, scope, wakeAt);
    if (previous && previous.state === result.state && previousWake === wakeAt) return null;
    return { type: 'put', key: ruleStateKey(rule.id, scope), value: record };
  }

  private arm(ruleId: string, scope: string, wakeAt: number | null): void {
    const key = ruleStateKey(ruleId, scope);
    const existing = this.timers.get(key);
    if (existing && existing.at === wakeAt) return;
    if (existing) this.deps.clock.clearTimeout(existing.handle);
    this.timers.delete(key);
    if (wakeAt === null || this.stopped) return;
    const handle = this.deps.clock.setTimeout(() => {
      this.timers.delete(key);
      this.tick(ruleId, scope).catch((err: unknown) => this.deps.logger.error({ err, ruleId, scope }, 'rule wake-up failed'));
    }, Math.max(0, wakeAt - this.deps.clock.now()));
    this.timers.set(key, { at: wakeAt, handle });
  }

  private tick(ruleId: string, scope: string): Promise<void> {
    return this.serial(async () => {
      const rule = this.byId.get(ruleId);
      const record = this.scopes.get(ruleId)?.get(scope);
      if (!rule?.tick || !record || this.stopped) return;
      let result: RuleResult<unknown>;
      try {
        result = rule.tick(record.state, this.deps.clock.now(), this.options.get(ruleId), scope);
      } catch (err) {
        this.deps.logger.error({ err, ruleId, scope }, 'rule tick failed');
        return;
      }
      // A tick that asks for no new time ends the wake-ups; one that repeats its time would spin.
      const wakeAt = result.wakeAt === undefined || result.wakeAt === record.wakeAt ? null : result.wakeAt;
      const write = await this.commit(rule, scope, { ...result, wakeAt }, record.seq, record);
      if (write) await this.writer.write([write]);
    });
  }

  private scopesOf(ruleId: string): Map<string, ScopeRecord> {
    let scopes = this.scopes.get(ruleId);
    if (!scopes) this.scopes.set(ruleId, (scopes = new Map()));
    return scopes;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function splitKey(key: string): [string, string] {
  const rest = key.slice(RULE_STATE_PREFIX.length);
  const at = rest.indexOf('|');
  return [rest.slice(0, at), rest.slice(at + 1)];
}
