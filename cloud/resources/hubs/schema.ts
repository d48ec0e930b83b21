/** Hub provisioning schemas (docs/provisioning.md); the claim exchange is in protocols/, shared with the hub. */
import { z } from 'zod';
import { Id } from '../../../protocols/event.ts';
export { ClaimAnswer, ClaimRequest, CLAIM_PATH } from '../../../protocols/claim-code.ts';

const DAY_S = 24 * 60 * 60;

export const HubIdParam = z.strictObject({ id: Id.describe('Hub id') });

export const CreateHubBody = z.strictObject({
  id: Id.describe('Hub id; the hub\'s config must name the same (hubId)'),
  claimTtlSeconds: z.number().int().min(60).max(7 * DAY_S).default(DAY_S).describe('How long the claim code works (default 24 h)'),
});
export type CreateHubBody = z.infer<typeof CreateHubBody>;

export const NewClaimBody = z.strictObject({
  claimTtlSeconds: z.number().int().min(60).max(7 * DAY_S).default(DAY_S).describe('How long the claim code works (default 24 h)'),
});

export const ClaimCodeAnswer = z
  .object({
    hubId: z.string(),
    claimCode: z.string().describe('One-time code for `npx hub provision --claim`; shown once, stored hashed'),
    claimExpiresAt: z.string(),
  })
  .meta({ id: 'ClaimCode' });
export type ClaimCodeAnswer = z.infer<typeof ClaimCodeAnswer>;

export const RotateBody = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * DAY_S)
    .default(DAY_S)
    .describe('How long the hub\'s current credentials keep working next to the new one (default 24 h; 0 ends them now)'),
});

export const RotateAnswer = z
  .object({
    hubId: z.string(),
    token: z.string().describe('The new credential, shown once: install it on the hub (`npx hub provision --token-stdin`)'),
    previousValidUntil: z.string().describe('The hub\'s earlier credentials are refused from this instant'),
  })
  .meta({ id: 'RotatedCredential' });
export type RotateAnswer = z.infer<typeof RotateAnswer>;

export const RevokeAnswer = z.object({ hubId: z.string(), revokedAt: z.string() });

export const HubSummary = z.object({
  id: z.string(),
  epoch: z.number().int(),
  ackedSeq: z.number().int(),
  lastSeenAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const HubList = z.object({ items: z.array(HubSummary) }).meta({ id: 'HubList' });
export type HubList = z.infer<typeof HubList>;

export const HubRecord = z
  .object({
    id: z.string(),
    orgId: z.string(),
    epoch: z.number().int().describe('The hub\'s current life: 0 before its first claim'),
    ackedSeq: z.number().int().describe('Highest seq up to which every event of the hub is stored'),
    lastSeenAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    createdAt: z.string(),
    credentials: z.array(
      z.object({
        source: z.enum(['bootstrap', 'claim', 'rotation']),
        createdAt: z.string(),
        expiresAt: z.string().nullable().describe('Refused from this instant (a rotation\'s overlap end); null: no end'),
      }),
    ),
    clock: z
      .object({
        skewMs: z.number().int().nullable().describe('Relay receive time minus the hub clock (X-Hub-Time) at its latest measured batch, ms; positive: the hub is behind; null: never measured'),
        checkedAt: z.string().nullable().describe('When the relay measured it'),
        skewed: z.boolean().describe('Beyond the relay\'s clockSkewBoundMs: the hub\'s event times cannot be trusted (docs/relay-pressure.md#clock-skew)'),
      })
      .describe('The hub clock as the relay last saw it'),
    epochs: z.array(
      z.object({
        epoch: z.number().int(),
        firstSeq: z.number().int(),
        startedAt: z.string(),
        lostCount: z.number().int().describe('Seqs of the previous life that never reached the relay'),
        lostRanges: z.array(z.tuple([z.number().int(), z.number().int()])).describe('Those seqs as inclusive ranges (first 100)'),
      }),
    ),
  })
  .meta({ id: 'Hub' });
export type HubRecord = z.infer<typeof HubRecord>;
