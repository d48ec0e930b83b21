import t from 'tap';
import { readdirSync } from 'node:fs';
import { RULES } from '../../../hub/rules/index.ts';

const NOT_RULES = new Set(['report-intervals.ts', 'index.ts', 'rule.ts', 'engine.ts']);

t.test('every rule file is registered once, ids unique', async (t) => {
  const files = readdirSync(new URL('../../../hub/rules/', import.meta.url)).filter((f) => f.endsWith('.ts') && !NOT_RULES.has(f));
  const ids = RULES.map((r) => r.id);
  t.same([...files].map((f) => f.replace(/\.ts$/, '')).sort(), [...ids].sort(), 'one registry entry per rule file, named by its id');
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const rule of RULES) t.ok(rule.options.safeParse({}).success, `${rule.id}: options have defaults`);
});
