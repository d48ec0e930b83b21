/**
 * The published /openapi.json against the relay's real answers (docs/rest-api.md): every
 * documented operation is called with a credential it admits (and once without any), and each
 * answer's status must be one the document lists for that operation, its content type one the
 * document lists for that status, and its body valid against the documented schema (checked by an
 * independent JSON Schema 2020-12 validator, ajv, not by our zod schemas). Paths and bodies come
 * from the route walk's fixtures (test/cloud/access-fixtures.ts); a new route without them fails
 * here and says which line to add.
 */
import t, { type Test } from 'tap';
import { pino } from 'pino';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createApp } from '../../cloud/app.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { BODIES, PATH_PARAMS, provisionWalkOrg, SEEDS, walkOrg, type WalkOrg } from './access-fixtures.ts';
import { reading } from './fixtures.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

const db = await openMigratedPglite();
t.teardown(() => db.close());
const a = walkOrg('doc-a');
await provisionWalkOrg(db, a);
for (const seed of SEEDS) await seed(db, a);
const app = createApp({ db, logger: pino({ level: 'silent' }), access: { keyRequestsPerSecond: 0 } });

/** Bodies of hub routes, which the role walk never sends (it only checks that API keys get 401). */
const HUB_BODIES: Record<string, (a: WalkOrg) => unknown> = {
  'POST /v1/ingest': (a) => ({ hubId: a.hubId, events: [reading(a.hubId, 1)] }),
  'POST /v1/downlink/report': () => ({ version: 1, status: 'applied' }),
  'POST /v1/hubs/claim': () => ({ code: 'ABCD-EFGH-JKMN', hubId: 'hub-never-claimed', logSeq: 0 }),
};

interface Operation {
  'x-roles'?: string[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>>; components?: unknown };

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The whole document under one id: `#/components/schemas/X` inside a response schema resolves against it.
ajv.addSchema({ $id: 'openapi.json', components: doc.components, paths: doc.paths });

/** A JSON pointer segment inside a URI fragment. */
const escape = (s: string) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Writes that take something away from organisation A go last, so earlier calls still find it. */
const destructive = (path: string, method: string) => method === 'delete' || /\/(revoke|rotate)$/.test(path);
const operations = Object.entries(doc.paths)
  .flatMap(([path, ops]) => Object.entries(ops).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op })))
  .sort((x, y) => Number(destructive(x.path, x.method)) - Number(destructive(y.path, y.method)));

t.ok(operations.length >= 10, `the document lists the operations (${operations.length})`);

async function check(t: Test, path: string, method: string, op: Operation, res: Response, what: string): Promise<void> {
  const status = String(res.status);
  const documented = op.responses[status] ?? op.responses.default;
  if (documented === undefined) {
    t.fail(`${what}: ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')}): ${(await res.text()).slice(0, 200)}`);
    return;
  }
  const text = await res.text();
  if (documented.content === undefined || Object.keys(documented.content).length === 0) {
    t.equal(text, '', `${what}: ${status} documents no body and has none`);
    return;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = documented.content[type];
  if (media === undefined) {
    t.fail(`${what}: ${status} answered ${type || 'no content type'}; documented: ${Object.keys(documented.content).join(', ')}`);
    return;
  }
  if (!/json/.test(type)) {
    t.pass(`${what}: ${status} ${type}`);
    return;
  }
  const pointer = `openapi.json#/paths/${escape(path)}/${method}/responses/${status in op.responses ? status : 'default'}/content/${escape(type)}/schema`;
  const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
  const ok = validate(JSON.parse(text));
  t.ok(ok, `${what}: ${status} body matches its documented schema${ok ? '' : `: ${ajv.errorsText(validate.errors)}; body ${text.slice(0, 200)}`}`);
}

for (const { path, method, op } of operations) {
  t.test(`${method.toUpperCase()} ${path}`, async (t) => {
    const roles = op['x-roles'] ?? [];
    const secret = roles.includes('public') ? undefined : roles.includes('hub') ? a.hubToken : a.keys[roles[0] as keyof WalkOrg['keys']];
    const params = path.includes('{') ? PATH_PARAMS[path]?.(a) : {};
    if (params === undefined) {
      t.fail(`${method.toUpperCase()} ${path}: add its path parameters to PATH_PARAMS in test/cloud/access-fixtures.ts`);
      return;
    }
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `missing-${name}`));
    const key = `${method.toUpperCase()} ${path}`;
    const makeBody = BODIES[key] ?? HUB_BODIES[key];
    const hasBody = method !== 'get' && method !== 'delete';
    const request = (auth: string | undefined) =>
      app.request(url, {
        method: method.toUpperCase(),
        headers: { ...(auth === undefined ? {} : { authorization: `Bearer ${auth}` }), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        ...(hasBody ? { body: JSON.stringify(makeBody === undefined ? {} : makeBody(a)) } : {}),
      });
    if (secret !== undefined) await check(t, path, method, op, await request(undefined), 'without a credential');
    await check(t, path, method, op, await request(secret), `as ${roles.join('/')}`);
  });
}
