/** The vitals read (GET /v1/residents/{id}/vitals) as the REST API takes and shows it (docs/records.md#vitals). */
import { z } from 'zod';
import { IsoTime } from '../../../protocols/event.ts';

export const VITALS_BUCKETS = ['raw', 'minute', 'hour', 'day'] as const;

export const VitalsQuery = z
  .strictObject({
    metric: z.string().min(1).max(64).regex(/^[a-z0-9-]+$/).optional().describe("A reading's metric (e.g. spo2, heart-rate) or consciousness / on-oxygen; required with a bucket, all metrics when absent"),
    from: IsoTime.optional().describe('Hub time, inclusive; default 24 h before `to`'),
    to: IsoTime.optional().describe('Hub time, exclusive; default now'),
    bucket: z.enum(VITALS_BUCKETS).default('raw').describe('raw values, or min/max/mean/count per minute, hour or day (UTC)'),
    limit: z.coerce.number().int().min(1).max(5000).default(500),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
  })
  .refine((q) => q.bucket === 'raw' || q.metric !== undefined, { message: 'a bucket needs a metric', path: ['metric'] })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] });
export type VitalsQuery = z.infer<typeof VitalsQuery>;

export const RawVital = z.object({
  id: z.string().describe('The hub event it came from'),
  metric: z.string(),
  at: z.string().describe('Hub time'),
  value: z.number().nullable(),
  code: z.string().nullable().describe('Coded value (ACVPU level, oxygen/air), else null'),
  unit: z.string().nullable().describe('UCUM'),
  loinc: z.string().nullable(),
  deviceId: z.string().nullable(),
  enteredBy: z.unknown().nullable().describe('Who entered it by hand; null for a device'),
});

export const VitalBucket = z.object({
  start: z.string(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  count: z.number().int(),
});

export const Vitals = z
  .object({
    residentId: z.string(),
    metric: z.string().nullable(),
    bucket: z.enum(VITALS_BUCKETS),
    from: z.string(),
    to: z.string(),
    items: z.array(RawVital).optional().describe('bucket=raw'),
    buckets: z.array(VitalBucket).optional().describe('bucket=minute|hour|day'),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Vitals' });
export type Vitals = z.infer<typeof Vitals>;
