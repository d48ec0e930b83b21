/**
 * A rule is a pure evaluator with declared options (docs/adding-a-rule.md). The engine owns
 * subscriptions, scopes, wake-ups, persistence of state and de-duplication of alarms; a rule only decides.
 */
import type { z } from 'zod';
import type { Event, EventKind } from '../../protocols/event.ts';
import type { AlarmCommand } from '../alarms/alarm-command.ts';

export interface RuleResult<S> {
  state: S;
  alarms: AlarmCommand[];
  /**
   * When the engine should call `tick` for this scope (clock ms). Absent keeps the time asked for
   * before; null cancels it. A rule that must act when *nothing* happens (a silent device, a value
   * that stays low) asks for a wake-up instead of keeping a timer.
   */
  wakeAt?: number | null;
}

/** The scope of a rule that keeps one state for everything. */
export const GLOBAL_SCOPE = '*';

export interface Rule<O = unknown, S = unknown> {
  id: string;
  description: string;
  /** Event kinds the engine feeds this rule. */
  inputs: readonly EventKind[];
  options: z.ZodType<O>;
  /**
   * Which state an event belongs to: the engine keeps one state per scope (a resident id, a device
   * id, a room), so a rule over 200 residents sees one small state at a time. null: the rule
   * ignores the event. Absent: one state for the whole rule.
   */
  scope?(event: Event): string | null;
  initialState(): S;
  evaluate(state: S, event: Event, now: number, options: O): RuleResult<S>;
  /** Called at (or, after a restart, soon after) the `wakeAt` this scope's last result asked for. */
  tick?(state: S, now: number, options: O, scope: string): RuleResult<S>;
}

/** Erases the generic parameters so heterogeneous rules fit one registry. */
export function defineRule<O, S>(rule: Rule<O, S>): Rule<unknown, unknown> {
  return rule as unknown as Rule<unknown, unknown>;
}
