/** Registry of edge rules. Adding a rule: one file in this folder and one line here. */
import { callPointRule } from './call-point.ts';
import { news2Rule } from './news2.ts';
import { vitalThresholdsRule } from './vital-thresholds.ts';
import { fallRule } from './fall.ts';
import { supervisionRule } from './supervision.ts';
import { inactivityRule } from './inactivity.ts';
import type { Rule } from './rule.ts';

export const RULES: readonly Rule<unknown, unknown>[] = [callPointRule, vitalThresholdsRule, news2Rule, fallRule, supervisionRule, inactivityRule];
