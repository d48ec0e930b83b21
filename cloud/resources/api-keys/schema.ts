/** API key schemas (docs/access.md#api-keys): the secret appears once, in the create answer. */
import { z } from 'zod';
import { ROLES } from '../../tenancy/context.ts';

export const ApiKeyIdParam = z.strictObject({ id: z.string().regex(/^key_[0-9a-f]{16}$|^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not a key id').describe('Key id') });

export const CreateApiKeyBody = z.strictObject({
  role: z.enum(ROLES).describe("The key's role within the caller's organisation"),
  label: z.string().min(1).max(200).optional().describe('What the key is for (shown in listings)'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('The key is refused from this instant on; none: no expiry'),
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

export const ChangeApiKeyBody = z.strictObject({
  role: z.enum(ROLES).describe('The new role within the same organisation; takes effect on the next request'),
});
export type ChangeApiKeyBody = z.infer<typeof ChangeApiKeyBody>;

export const ApiKeyRecord = z
  .object({
    id: z.string(),
    orgId: z.string(),
    role: z.enum(ROLES),
    label: z.string().nullable(),
    source: z.enum(['bootstrap', 'api']).describe('bootstrap: from the relay config file; api: POST /v1/api-keys'),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export const CreatedApiKey = ApiKeyRecord.extend({
  key: z.string().describe('The secret, for Authorization: Bearer; shown only in this answer, stored hashed'),
}).meta({ id: 'CreatedApiKey' });

export const ApiKeyList = z.object({ items: z.array(ApiKeyRecord) }).meta({ id: 'ApiKeyList' });
