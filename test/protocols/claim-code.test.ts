/** Claim codes as an installer types them (docs/provisioning.md#claim-codes). */
import t from 'tap';
import { CLAIM_CODE_ALPHABET, CLAIM_CODE_LENGTH, formatClaimCode, normaliseClaimCode } from '../../protocols/claim-code.ts';

t.test('a code from random bytes: 12 symbols of the alphabet in groups of four, each byte\'s low 5 bits', async (t) => {
  const bytes = Uint8Array.from({ length: CLAIM_CODE_LENGTH }, (_, i) => i * 32 + i); // low 5 bits: 0..11
  t.equal(formatClaimCode(bytes), '0123-4567-89AB');
  t.equal(formatClaimCode(new Uint8Array(CLAIM_CODE_LENGTH).fill(255)), 'ZZZZ-ZZZZ-ZZZZ', '255 & 31 is the last symbol');
  t.throws(() => formatClaimCode(new Uint8Array(CLAIM_CODE_LENGTH - 1)), RangeError, 'too few random bytes');
  t.equal(CLAIM_CODE_ALPHABET.length, 32, 'five bits a symbol: 60 bits a code');
  t.notMatch(CLAIM_CODE_ALPHABET, /[ILOU]/, 'no letters that read as others');
});

// Each row: what an installer typed, the code it means (undefined: refused before any round trip).
const rows: Array<[string, string | undefined]> = [
  ['7K3D-M9QX-2HTB', '7K3DM9QX2HTB'],
  ['7k3d-m9qx-2htb', '7K3DM9QX2HTB'], // case does not matter
  [' 7K3D M9QX 2HTB ', '7K3DM9QX2HTB'], // spaces instead of dashes, and around
  ['7K3DM9QX2HTB', '7K3DM9QX2HTB'], // no separators
  ['7K3D--M9QX--2HTB', '7K3DM9QX2HTB'],
  ['O0IL-1111-0000', '001111110000'], // O reads as 0, I and L as 1 (Crockford)
  ['oil0-0000-0000', '011000000000'],
  ['7K3D-M9QX-2HT', undefined], // one symbol short
  ['7K3D-M9QX-2HTBB', undefined], // one symbol long
  ['7K3D-M9QX-2HTU', undefined], // U is not in the alphabet
  ['7K3D-M9QX-2HT!', undefined],
  ['', undefined],
  ['7K3D_M9QX_2HTB', undefined], // underscores are not separators
];

t.test('normalising what was typed', async (t) => {
  for (const [typed, code] of rows) t.equal(normaliseClaimCode(typed), code, JSON.stringify(typed));
});

t.test('every code made is read back as itself', async (t) => {
  for (let i = 0; i < 50; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(CLAIM_CODE_LENGTH));
    const code = formatClaimCode(bytes);
    t.equal(normaliseClaimCode(code), code.replace(/-/g, ''));
    t.equal(normaliseClaimCode(code.toLowerCase()), code.replace(/-/g, ''));
  }
});
