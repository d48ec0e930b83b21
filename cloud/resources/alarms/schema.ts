/** Alarm read model as the REST API shows it. */
import { z } from 'zod';
import { Actor, AlarmPriority, AlarmState, Id } from '../../../protocols/event.ts';

export const AlarmQuery = z.strictObject({
  state: AlarmState.optional().describe('Only alarms in this state'),
  hubId: Id.optional().describe('Only alarms raised by this hub'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many items (1-500)'),
});
export type AlarmQuery = z.infer<typeof AlarmQuery>;

export const AlarmTransition = z.object({
  state: AlarmState,
  at: z.string().describe('Hub time of the transition (ISO 8601)'),
  by: Actor,
  eventId: z.string(),
  seq: z.number().int(),
});

export const AlarmItem = z
  .object({
    id: z.string(),
    hubId: z.string(),
    roomId: z.string().nullable(),
    deviceId: z.string().nullable(),
    residentId: z.string().nullable(),
    key: z.string(),
    type: z.string(),
    priority: AlarmPriority,
    state: AlarmState,
    reason: z.string(),
    raisedAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    lifecycle: z.array(AlarmTransition).describe('Every transition in hub seq order'),
  })
  .meta({ id: 'Alarm' });
export type AlarmItem = z.infer<typeof AlarmItem>;

export const AlarmList = z.object({ items: z.array(AlarmItem) });
