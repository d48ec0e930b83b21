/**
 * What a rule asks the alarm service to do. It lives with the alarms, not the rules: rules
 * produce commands, the alarm service applies them, and hub/alarms/ imports nothing from
 * hub/rules/ (docs/architecture.md#layout).
 */
import type { Actor, AlarmPriority } from '../../protocols/event.ts';

export type AlarmCommand =
  | {
      op: 'raise';
      /** One open alarm per key; raising an open key again only counts a repeat. */
      key: string;
      type: string;
      priority: AlarmPriority;
      reason: string;
      roomId?: string;
      deviceId?: string;
      residentId?: string;
      causeEventId?: string;
    }
  | { op: 'clear'; key: string; by: Actor; reason: string };
