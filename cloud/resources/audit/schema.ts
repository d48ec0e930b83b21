/** The audit trail as GET /v1/audit shows it (docs/audit.md). */
import { z } from 'zod';

export const AuditQuery = z.strictObject({
  action: z
    .string()
    .regex(/^[a-z][a-z0-9.-]*$/)
    .optional()
    .describe('Only entries with this action (e.g. alarm.write, api-key.revoke)'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many items (1-500)'),
  cursor: z.string().max(100).optional().describe('nextCursor of the previous page; absent for the newest entries'),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntry = z
  .object({
    id: z.string().describe('audit_log id (what `cloud audit verify` names)'),
    seq: z.number().int().describe("Position in the organisation's chain, from 1"),
    at: z.string().describe('Relay time (ISO 8601)'),
    actor: z.object({
      kind: z.enum(['api-key', 'hub', 'system']),
      id: z.string(),
      orgId: z.string().optional().describe("The actor's organisation when it is not the chain's (a referred hospital)"),
    }),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    detail: z.record(z.string(), z.unknown()),
    prevHash: z.string().describe('SHA-256 of the previous entry (64 zeros for the first)'),
    hash: z.string().describe('SHA-256 of this entry in canonical JSON'),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z
  .object({
    items: z.array(AuditEntry).describe('Newest first'),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next (older) page; null on the last page'),
  })
  .meta({ id: 'AuditPage' });
