/** docs/architecture.md#the-seams (registries): every resource folder is registered, once. */
import { readdirSync, statSync } from 'node:fs';
import t from 'tap';
import { resources } from '../../cloud/resources/index.ts';

const dir = new URL('../../cloud/resources/', import.meta.url);
const folders = readdirSync(dir).filter((f) => statSync(new URL(f, dir)).isDirectory()).sort();
const ids = resources.map((r) => r.id);

t.same([...ids].sort(), folders, 'registry ids equal the resource folders');
t.equal(new Set(ids).size, ids.length, 'no two resources share an id');
for (const f of folders) {
  const files = readdirSync(new URL(`${f}/`, dir));
  for (const need of ['routes.ts', 'schema.ts', 'service.ts', 'repo.ts']) t.ok(files.includes(need), `${f}/${need}`);
}
