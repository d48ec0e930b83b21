/** Registry of edge rules. Adding a rule: one file in this folder and one line here. */
import { callPointRule } from './call-point.ts';
import type { Rule } from './rule.ts';

export const RULES: readonly Rule<unknown, unknown>[] = [callPointRule];

export function getRule(id: string): Rule<unknown, unknown> | undefined {
  return RULES.find((r) => r.id === id);
}
