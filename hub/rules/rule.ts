/**
 * A rule is a pure evaluator with declared options (docs/adding-a-rule.md). The engine owns
 * subscriptions, timers, persistence and de-duplication; a rule only decides.
 */
import type { z } from 'zod';
import type { Event, EventKind } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';

export interface RuleResult<S> {
  state: S;
  alarms: AlarmCommand[];
}

export interface Rule<O = unknown, S = unknown> {
  id: string;
  description: string;
  /** Event kinds the engine feeds this rule. */
  inputs: readonly EventKind[];
  options: z.ZodType<O>;
  initialState(): S;
  evaluate(state: S, event: Event, now: number, options: O): RuleResult<S>;
}

/** Erases the generic parameters so heterogeneous rules fit one registry. */
export function defineRule<O, S>(rule: Rule<O, S>): Rule<unknown, unknown> {
  return rule as unknown as Rule<unknown, unknown>;
}
