/** docs/fhir.md#adding-a-resource-type: every file under cloud/fhir/resources/ is registered, once. */
import { readdirSync } from 'node:fs';
import t from 'tap';
import { fhirResourceTypes } from '../../../cloud/fhir/registry.ts';

const dir = new URL('../../../cloud/fhir/resources/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
const types = fhirResourceTypes.map((r) => r.type);

t.same(types.map((type) => `${type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.ts`).sort(), files, 'one registry line per file, named after its type');
t.equal(new Set(types).size, types.length, 'no two entries share a type');
for (const def of fhirResourceTypes) {
  for (const sort of def.sorts ?? []) t.match(sort, /^-?[a-z]+$/, `${def.type} sort ${sort}`);
}
