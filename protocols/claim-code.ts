/**
 * Claim codes (docs/provisioning.md#claim-codes): 12 symbols of Crockford's base32, shown as
 * XXXX-XXXX-XXXX. Pure: the relay passes random bytes in, and the hub checks what an installer
 * typed before sending it.
 */
import { z } from 'zod';

/** Crockford's base32: digits and letters without I, L, O and U, which read as 1, 1, 0 and V. */
export const CLAIM_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 12 symbols × 5 bits = 60 random bits: typable, and beyond guessing within the code's lifetime. */
export const CLAIM_CODE_LENGTH = 12;

/** A code from `CLAIM_CODE_LENGTH` random bytes (each byte's low 5 bits: 256 is a multiple of 32, so unbiased). */
export function formatClaimCode(random: Uint8Array): string {
  if (random.length < CLAIM_CODE_LENGTH) throw new RangeError(`need ${CLAIM_CODE_LENGTH} random bytes`);
  let code = '';
  for (let i = 0; i < CLAIM_CODE_LENGTH; i++) code += CLAIM_CODE_ALPHABET[random[i]! & 31];
  return code.match(/.{4}/g)!.join('-');
}

/**
 * The canonical form of a typed code, or undefined when it cannot be one: case-insensitive,
 * spaces and dashes ignored, and O/I/L read as 0/1/1 as Crockford decodes them.
 */
export function normaliseClaimCode(typed: string): string | undefined {
  const code = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== CLAIM_CODE_LENGTH) return undefined;
  for (const ch of code) if (!CLAIM_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

export const ClaimRequest = z.strictObject({
  code: z.string().min(1).max(64).describe('The claim code as typed (case, dashes and spaces do not matter)'),
  hubId: z.string().min(1).max(64).describe('The id in the hub\'s config; must be the hub the code was made for'),
  logSeq: z
    .number()
    .int()
    .min(0)
    .describe('Last seq in the hub\'s data folder: 0 for an empty folder (a new life), else the folder continues'),
});
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimAnswer = z.strictObject({
  hubId: z.string(),
  token: z.string().describe('The hub\'s bearer credential, shown once'),
  epoch: z.number().int().min(0).describe('The hub\'s life this credential belongs to'),
  firstSeq: z.number().int().min(1).describe('The seq the hub\'s next event must have (an empty data folder starts its log here)'),
  relayTime: z.string(),
});
export type ClaimAnswer = z.infer<typeof ClaimAnswer>;

export const CLAIM_PATH = '/v1/hubs/claim';
