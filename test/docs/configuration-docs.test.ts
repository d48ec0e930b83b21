/** The configuration reference names every field the schemas accept, so docs cannot drift from code. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HubConfig } from '../../hub/config.ts';
import { CloudConfig } from '../../cloud/config.ts';

const doc = readFileSync('docs/configuration.md', 'utf8');

/** Dotted paths of object fields, two levels deep (arrays are documented as a whole). */
function fieldPaths(schema: z.ZodType, prefix = '', depth = 0): string[] {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
    inner = (inner as z.ZodDefault<z.ZodType>).def.innerType as z.ZodType;
  }
  if (!(inner instanceof z.ZodObject) || depth > 1) return prefix ? [prefix] : [];
  return Object.entries(inner.shape).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = fieldPaths(child as z.ZodType, path, depth + 1);
    return nested.length > 0 ? nested : [path];
  });
}

t.test('every hub and relay config field is in docs/configuration.md', async (t) => {
  const paths = [...fieldPaths(HubConfig), ...fieldPaths(CloudConfig)].filter((p) => !p.startsWith('rules.'));
  t.ok(paths.length > 15, `found ${paths.length} fields`);
  for (const path of paths) {
    t.ok(doc.includes(`\`${path}\``) || doc.includes(`\`${path}[]\``), `${path} is documented`);
  }
});
