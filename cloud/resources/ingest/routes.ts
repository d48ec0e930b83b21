/** POST /v1/ingest: hubs deliver event batches here (bearer hub token). */
import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requireHub } from '../../http/auth.ts';
import { ProblemError } from '../../errors.ts';
import { BEARER_SECURITY, createRouter, problemResponses } from '../../http/openapi.ts';
import type { Resource } from '../types.ts';
import { INGEST_PATH, IngestAck, IngestBatch, MAX_INGEST_BODY_BYTES } from './schema.ts';
import { createIngestService } from './service.ts';

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
        summary: 'Store a batch of hub events (idempotent)',
        description:
          'Stores each event once (by id and by hub seq) and answers the highest seq up to which every event of the hub is stored. Replaying a batch changes nothing.',
        tags: ['ingest'],
        security: BEARER_SECURITY,
        // Size, then identity, then shape: a stranger learns nothing from validation messages.
        middleware: [limit, requireHub(deps.db)] as const,
        request: { body: { required: true, content: { 'application/json': { schema: IngestBatch } } } },
        responses: {
          200: { description: 'Batch stored (or already stored)', content: { 'application/json': { schema: IngestAck } } },
          ...problemResponses(400, 401, 403, 409, 413, 415, 500),
        },
      }),
      async function handleIngest(c) {
        const ack = await service.ingest(c.get('hub'), c.req.valid('json'));
        deps.metrics.batch(ack.stored, ack.duplicates);
        return c.json(ack, 200);
      },
    );
    return router;
  },
};
