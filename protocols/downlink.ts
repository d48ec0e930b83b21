/**
 * The downlink (docs/downlink.md): what the relay sends one hub to change while it runs. Rooms and
 * their names, residents with their names and vital-sign overrides, and which room and resident
 * each device is bound to. Transports, ports and credentials are not in it: those change only with
 * the hub's own config file. Shared by the relay (PUT and GET) and the hub (pull and last good copy).
 */
import { z } from 'zod';
import { AlarmPriority, Id, IsoTime } from './event.ts';
import { VITAL_METRIC_IDS } from './vitals.ts';

/** The hub's own downlink: the hub is the one its token names, so no id in the path. */
export const DOWNLINK_PATH = '/v1/downlink';
/** Where the hub says what became of a version (applied, or refused with the reasons). */
export const DOWNLINK_REPORT_PATH = '/v1/downlink/report';

/** Longest long-poll: under common proxies' 60 s idle timeouts, with room to spare. */
export const MAX_DOWNLINK_WAIT_SECONDS = 30;

/** One building: hundreds of residents, about a thousand devices; this bounds a hostile body. */
export const MAX_DOWNLINK_ENTRIES = 5000;

export const DownlinkRoom = z.strictObject({
  id: Id,
  name: z.string().min(1).max(100).describe('shown on the panel'),
});

/** Partial override of one metric's threshold in the hub's vital-thresholds rule (docs/rules.md#vital-thresholds). */
export const DownlinkThreshold = z
  .strictObject({
    below: z.number().nullable(),
    above: z.number().nullable(),
    hysteresis: z.number().min(0),
    holdMs: z.number().int().min(0),
    priority: AlarmPriority,
  })
  .partial();

export const DownlinkResident = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200).optional().describe("the resident's name, for staff"),
  spo2Scale: z
    .union([z.literal(1), z.literal(2)])
    .optional()
    .describe('NEWS2 SpO2 scale; 2 only for confirmed hypercapnic respiratory failure (a clinical decision)'),
  thresholds: z
    .partialRecord(z.enum(VITAL_METRIC_IDS), DownlinkThreshold)
    .optional()
    .describe('per metric: overrides of the vital-thresholds rule for this resident'),
});

export const DownlinkDevice = z.strictObject({
  id: Id.describe("a device in the hub's config"),
  roomId: Id.describe("a room in the hub's config or in this downlink"),
  residentId: Id.nullable().describe('the resident wearing or using it; null for none'),
});

function uniqueIds(list: ReadonlyArray<{ id: string }>, name: string, ctx: z.RefinementCtx): void {
  /** keyed by id: where it was first seen */
  const seen = new Map<string, number>();
  list.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [name, i, 'id'], message: `duplicate id "${item.id}"` });
    else seen.set(item.id, i);
  });
}

/** What an operator writes (PUT) and what the hub applies: each version is the whole document. */
export const DownlinkContent = z
  .strictObject({
    rooms: z.array(DownlinkRoom).max(MAX_DOWNLINK_ENTRIES).default([]),
    residents: z.array(DownlinkResident).max(MAX_DOWNLINK_ENTRIES).default([]),
    devices: z.array(DownlinkDevice).max(MAX_DOWNLINK_ENTRIES).default([]),
  })
  .superRefine((content, ctx) => {
    uniqueIds(content.rooms, 'rooms', ctx);
    uniqueIds(content.residents, 'residents', ctx);
    uniqueIds(content.devices, 'devices', ctx);
  })
  .meta({ id: 'DownlinkContent' });
export type DownlinkContent = z.infer<typeof DownlinkContent>;

/** What the hub receives: its content with the version the relay gave it. */
export const DownlinkDocument = z
  .strictObject({
    hubId: Id,
    version: z.number().int().min(1).describe('grows by one with every PUT'),
    updatedAt: IsoTime,
    content: DownlinkContent,
  })
  .meta({ id: 'Downlink' });
export type DownlinkDocument = z.infer<typeof DownlinkDocument>;

export const DownlinkIssue = z.strictObject({ path: z.string().max(200), message: z.string().max(500) });
export type DownlinkIssue = z.infer<typeof DownlinkIssue>;

/** The hub's word on one version: applied, or refused as a whole with the reasons. */
export const DownlinkReport = z
  .strictObject({
    version: z.number().int().min(1),
    outcome: z.enum(['applied', 'refused']),
    errors: z.array(DownlinkIssue).max(100).default([]),
  })
  .meta({ id: 'DownlinkReport' });
export type DownlinkReport = z.infer<typeof DownlinkReport>;
