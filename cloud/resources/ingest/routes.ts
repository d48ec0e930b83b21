/** POST /v1/ingest: hubs deliver event batches here (bearer hub token). */
import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { admitHub } from '../../http/admission.ts';
import { requireHub } from '../../http/auth.ts';
import { ProblemError } from '../../errors.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import type { Resource } from '../types.ts';
import { ACK_RANGES, ACK_RANGES_HEADER, INGEST_PATH, IngestAck, IngestBatch, MAX_INGEST_BODY_BYTES } from './schema.ts';
import { createIngestService } from './service.ts';

/** Deeper than this the batch is refused for its depth anyway (service.ts); the walk stops there. */
const PROTO_SCAN_DEPTH = 64;

/** Paths of own "__proto__" keys in parsed JSON (at most `limit`); iterative, so deep nesting cannot overflow the stack. */
function protoKeyPaths(root: unknown, limit = 20): string[] {
  const out: string[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0 && out.length < limit) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object' || depth > PROTO_SCAN_DEPTH) continue;
    if (Object.prototype.hasOwnProperty.call(value, '__proto__')) out.push(path === '' ? '__proto__' : `${path}.__proto__`);
    for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: path === '' ? k : `${path}.${k}`, depth: depth + 1 });
  }
  return out;
}

/**
 * zod leaves a "__proto__" key out of what it parses (its guard against prototype replacement), so
 * inside free-form JSON (audit detail) the key would vanish from an event the relay acknowledges as
 * stored. Refused before validation instead; the parsed body is cached for the validator.
 */
const refuseProtoKeys = createMiddleware(async function refuseProtoKeys(c, next) {
  if (/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    const body: unknown = await c.req.json().catch(() => undefined);
    const paths = protoKeyPaths(body);
    if (paths.length > 0) {
      throw new ProblemError('invalid-request', 'body failed validation', { errors: paths.map((path) => ({ path, message: 'a "__proto__" key cannot be stored' })) });
    }
  }
  await next();
});

export const ingest: Resource = {
  id: 'ingest',
  routes(deps) {
    const service = createIngestService({ db: deps.db, now: deps.now });
    const router = createRouter();

    const limit = bodyLimit({
      maxSize: MAX_INGEST_BODY_BYTES,
      onError() {
        throw new ProblemError('payload-too-large', `Bodies are limited to ${MAX_INGEST_BODY_BYTES} bytes; send smaller batches`);
      },
    });

    router.openapi(
      createRoute({
        method: 'post',
        path: INGEST_PATH,
        'x-roles': ['hub'],
        summary: 'Store a batch of hub events (idempotent)',
        description:
          'Stores each event once (by id and by hub seq) and answers the highest seq up to which every event of the hub is stored. ' +
          'With the request header `carehub-ack: ranges` the answer also lists, as storedRanges, the seqs of this batch now stored under its event ids. ' +
          'Replaying a batch changes nothing.',
        tags: ['ingest'],
        security: BEARER_SECURITY,
        // Size, then identity, then shape: a stranger learns nothing from validation messages.
        middleware: [limit, requireHub(deps.db), admitHub, refuseProtoKeys] as const,
        request: { body: { required: true, content: { 'application/json': { schema: IngestBatch } } } },
        responses: {
          200: { description: 'Batch stored (or already stored)', content: { 'application/json': { schema: IngestAck } } },
          ...problemResponses(400, 401, 403, 409, 413, 415, 429, 500, 503),
        },
      }),
      async function handleIngest(c) {
        const ranges = c.req.header(ACK_RANGES_HEADER) === ACK_RANGES;
        const ack = await service.ingest(c.get('hub'), c.req.valid('json'), { ranges });
        deps.metrics.batch(ack.stored, ack.duplicates);
        return c.json(ack, 200);
      },
    );
    return router;
  },
};
