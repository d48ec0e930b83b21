/** Feeds events to the rules that declared them and applies their alarm commands. */
import type { Event } from '../../protocols/event.ts';
import type { AlarmService } from '../alarms/alarm-service.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Rule } from './rule.ts';

export interface RuleEngineOptions {
  rules: readonly Rule<unknown, unknown>[];
  /** Parsed options per rule id (from config.rules, defaults applied). */
  ruleOptions: Readonly<Record<string, unknown>>;
  alarms: AlarmService;
  clock: Clock;
  logger: Logger;
}

export class RuleEngine {
  /** rule state, keyed by rule id */
  private readonly states = new Map<string, unknown>();
  private readonly options: Map<string, unknown>;

  constructor(private readonly deps: RuleEngineOptions) {
    this.options = new Map(deps.rules.map((r) => [r.id, r.options.parse(deps.ruleOptions[r.id] ?? {})]));
  }

  async handle(event: Event): Promise<void> {
    for (const rule of this.deps.rules) {
      if (!rule.inputs.includes(event.kind)) continue;
      let result;
      try {
        const state = this.states.has(rule.id) ? this.states.get(rule.id) : rule.initialState();
        result = rule.evaluate(state, event, this.deps.clock.now(), this.options.get(rule.id));
      } catch (err) {
        // A faulty rule must not stop the others from seeing the event.
        this.deps.logger.error({ err, ruleId: rule.id, eventId: event.id }, 'rule failed');
        continue;
      }
      this.states.set(rule.id, result.state);
      for (const command of result.alarms) await this.deps.alarms.apply(command, rule.id);
    }
  }
}
