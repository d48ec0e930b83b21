/**
 * Config fields for who may use the alarm panel: staff (who act) and paired
 * displays (which only view), plus the panel's guards. Spread into hub/config.ts;
 * every field is described in docs/configuration.md and docs/panel.md.
 */
import { z } from 'zod';
import { Id } from '../../protocols/event.ts';
import { PIN_HASH_PATTERN } from './credentials.ts';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const StaffMember = z.strictObject({
  id: Id.describe('what staff type to sign in; recorded on each acknowledge and resolve'),
  name: z.string().trim().min(1).max(100).describe('shown on the panel while signed in'),
  pinScrypt: z
    .string()
    .regex(PIN_HASH_PATTERN, 'must be scrypt$N$r$p$salt$hash (use `hub staff add`)')
    .describe('scrypt hash of the PIN or password, with its own salt'),
});
export type StaffMember = z.infer<typeof StaffMember>;

export const DisplayEntry = z.strictObject({
  id: Id.describe('name of the display (e.g. nurses-station)'),
  pairingCodeSha256: Sha256Hex.describe('SHA-256 of the one-time pairing code `hub display add` printed'),
  pairingExpiresAt: z.iso.datetime({ offset: true }).describe('the pairing code is refused after this instant'),
});
export type DisplayEntry = z.infer<typeof DisplayEntry>;

function uniqueIds<T extends { id: string }>(items: T[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  });
}

/** Top-level hub config fields. */
export const staffConfigFields = {
  staff: z.array(StaffMember).superRefine(uniqueIds).default([]).describe('people who may acknowledge and resolve alarms'),
  displays: z.array(DisplayEntry).superRefine(uniqueIds).default([]).describe('screens that may view alarms without anyone signed in'),
};

/** Fields of the hub config's `panel` object. */
export const panelAccessFields = {
  allowedHosts: z
    .array(z.string().trim().toLowerCase().min(1).max(253))
    .default([])
    .describe('host names the panel answers to besides the hub\'s own addresses (DNS rebinding guard)'),
  sessionHours: z.number().positive().max(24).default(12).describe('a staff sign-in lasts this long (one shift)'),
  maxBodyBytes: z.number().int().min(256).max(65_536).default(4096).describe('larger request bodies are refused with 413'),
  signInAttempts: z.number().int().min(1).max(100).default(5).describe('bad PINs from one address before it must wait'),
};
