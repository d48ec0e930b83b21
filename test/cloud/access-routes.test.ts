/**
 * docs/access.md: every published route declares who may call it (`x-roles`), and the guard agrees.
 * The walk reads /openapi.json, so a route added later is walked too: a route without a
 * declaration, an API-key route that admits an undeclared role or refuses a declared one, a route
 * with ids that answers another organisation with anything but 404, and an answer to another
 * organisation that names A's records all fail here.
 */
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/app.ts';
import { ROLES, type Role } from '../../cloud/tenancy/context.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { BODIES, PATH_PARAMS, provisionWalkOrg, SEEDS, walkOrg } from './access-fixtures.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
const a = walkOrg('walk-a');
const b = walkOrg('walk-b');
await provisionWalkOrg(db, a);
await provisionWalkOrg(db, b);
for (const seed of SEEDS) await seed(db, a);
// No per-key rate limit: the walk sends hundreds of requests with one key.
const app = createApp({ db, logger: pino({ level: 'silent' }), access: { keyRequestsPerSecond: 0 } });

type Operation = { 'x-roles'?: unknown; requestBody?: unknown };
const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([m]) => METHODS.includes(m))
    .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

function urlOf(path: string): string | undefined {
  if (!path.includes('{')) return path;
  const params = PATH_PARAMS[path]?.(a);
  if (params === undefined) return undefined;
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `missing-${name}`));
}

async function call(method: string, path: string, url: string, secret: string | undefined): Promise<{ status: number; text: string }> {
  const makeBody = BODIES[`${method} ${path}`];
  const res = await app.request(url, {
    method,
    headers: { ...(secret === undefined ? {} : { authorization: `Bearer ${secret}` }), ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: JSON.stringify(makeBody === undefined ? {} : makeBody(a)) }),
  });
  return { status: res.status, text: await res.text() };
}

t.ok(routes.length >= 10, `the document lists the routes (${routes.length})`);

for (const { path, method, op } of routes) {
  t.test(`${method} ${path}`, async (t) => {
    const declared = op['x-roles'];
    if (!Array.isArray(declared) || declared.length === 0) {
      t.fail(`${method} ${path} declares no x-roles (cloud/tenancy/context.ts)`);
      return;
    }
    const url = urlOf(path);
    if (url === undefined) {
      t.fail(`${method} ${path}: add its path parameters to PATH_PARAMS in test/cloud/access-fixtures.ts`);
      return;
    }
    if (declared.includes('public')) {
      t.same(declared, ['public'], 'a public route declares nothing else');
      return;
    }
    if (declared.includes('hub')) {
      t.same(declared, ['hub'], 'a hub route declares nothing else');
      for (const role of ROLES) t.equal((await call(method, path, url, a.keys[role])).status, 401, `an API key (${role}) is not a hub token`);
      return;
    }
    const roles = declared as Role[];
    for (const r of roles) t.ok(ROLES.includes(r), `"${r}" is a role`);
    t.equal((await call(method, path, url, undefined)).status, 401, 'no key: 401');

    // Undeclared roles first: their 403 must come before any work, so the state is still A's.
    for (const role of ROLES.filter((r) => !roles.includes(r))) {
      t.equal((await call(method, path, url, a.keys[role])).status, 403, `${role} (not declared) gets 403`);
    }
    // Another organisation, with a role the route admits: ids of A are not found, lists name none of A's.
    for (const role of roles) {
      const other = await call(method, path, url, b.keys[role]);
      if (path.includes('{')) t.equal(other.status, 404, `${role} of another organisation gets 404, not 403 (${other.text.slice(0, 120)})`);
      // A 404 may echo the id that was asked for; it must not name A's organisation, and a list none of A's ids.
      const leaked = other.text.includes(a.orgId) || (!path.includes('{') && other.text.includes(a.hubId));
      t.notOk(leaked, `${role} of another organisation sees nothing of A`);
    }
    for (const role of roles) {
      const own = await call(method, path, url, a.keys[role]);
      t.ok(![401, 403].includes(own.status), `${role} (declared) gets through: ${own.status} ${own.text.slice(0, 160)}`);
      if (path.includes('{')) t.not(own.status, 404, `${role} of A finds A's record (PATH_PARAMS names a real one)`);
      if (own.status === 400) t.fail(`${method} ${path}: add a valid body to BODIES in test/cloud/access-fixtures.ts`);
    }
  });
}
