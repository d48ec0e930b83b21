/** Downlink as the REST API shows it (docs/downlink.md, docs/rest-api.md#downlink). */
import { z } from 'zod';
import { DownlinkContent, DownlinkDocument, DownlinkIssue, DownlinkReport, MAX_DOWNLINK_WAIT_SECONDS } from '../../../protocols/downlink.ts';
import { Id } from '../../../protocols/event.ts';

export { DownlinkContent, DownlinkDocument, DownlinkReport };

/** A downlink document is a few hundred KiB at most for one building; more is not one. */
export const MAX_DOWNLINK_BODY_BYTES = 2 * 1024 * 1024;

export const HubIdParam = z.strictObject({ id: Id.describe('the hub id') });

export const DownlinkWaitQuery = z.strictObject({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_DOWNLINK_WAIT_SECONDS)
    .default(0)
    .describe(`long-poll: with If-None-Match naming the current version, hold the request up to this many seconds (0-${MAX_DOWNLINK_WAIT_SECONDS}) until a new version exists`),
});

export const HubReport = z.object({
  appliedVersion: z.number().int().nullable().describe('the last version the hub said it applied'),
  appliedAt: z.string().nullable(),
  refusedVersion: z.number().int().nullable().describe('the last version the hub said it refused'),
  refusedErrors: z.array(DownlinkIssue).describe('why it refused it'),
  refusedAt: z.string().nullable(),
});

export const OperatorDownlink = z
  .object({
    hubId: z.string(),
    version: z.number().int(),
    etag: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string().describe('the API key that wrote this version'),
    content: DownlinkContent,
    hubReport: HubReport,
  })
  .meta({ id: 'OperatorDownlink' });
export type OperatorDownlink = z.infer<typeof OperatorDownlink>;
