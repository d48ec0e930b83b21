import t from 'tap';
import { UUID_PATTERN, uuidv7, uuidv7Time } from '../../protocols/uuidv7.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);
// [RFC 9562 Appendix A.6] example: Tuesday, February 22, 2022 2:22:22.00 PM GMT-05:00 = 0x017F22E279B0 ms.
const RFC_MS = 0x017f22e279b0;
const RFC_ID = '017f22e2-79b0-7cc3-98c4-dc0c0c07398f';

t.test('the RFC 9562 example vector', async (t) => {
  // random bytes chosen so that, after the version and variant bits are set, they are the RFC's rand_a/rand_b
  t.equal(uuidv7(RFC_MS, bytes(0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f)), RFC_ID);
  // the same with the version/variant bit positions set to ones: they are overwritten, not OR-ed
  t.equal(uuidv7(RFC_MS, bytes(0xfc, 0xc3, 0xd8, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f)), RFC_ID);
  // extra random bytes beyond ten are ignored
  t.equal(uuidv7(RFC_MS, bytes(0x0c, 0xc3, 0x18, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f, 0xff, 0xff)), RFC_ID);
  t.equal(uuidv7Time(RFC_ID), RFC_MS);
});

t.test('time field: boundaries and rounding', async (t) => {
  const zero = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const rows: Array<[string, number, string]> = [
    ['epoch', 0, '00000000-0000-7000-8000-000000000000'],
    ['one millisecond', 1, '00000000-0001-7000-8000-000000000000'],
    ['fraction is floored', 1.9, '00000000-0001-7000-8000-000000000000'],
    ['256 ms carries into the next byte', 256, '00000000-0100-7000-8000-000000000000'],
    ['negative clamps to the epoch', -5, '00000000-0000-7000-8000-000000000000'],
    ['the largest 48-bit time', 2 ** 48 - 1, 'ffffffff-ffff-7000-8000-000000000000'],
  ];
  for (const [name, ms, id] of rows) {
    t.equal(uuidv7(ms, zero), id, name);
    t.match(id, UUID_PATTERN, `${name} matches the pattern`);
  }
  t.equal(uuidv7Time('00000000-0100-7000-8000-000000000000'), 256);
  const ones = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  t.equal(uuidv7(0, ones), '00000000-0000-7fff-bfff-ffffffffffff', 'all-ones random keeps version 7 and variant 10');
});

t.test('fewer than ten random bytes is an error', async (t) => {
  t.throws(() => uuidv7(0, new Uint8Array(9)), { name: 'RangeError', message: 'uuidv7 needs 10 random bytes' });
  t.doesNotThrow(() => uuidv7(0, new Uint8Array(10)));
});

t.test('UUID_PATTERN accepts only lower-case version-7, variant-10 UUIDs', async (t) => {
  const rows: Array<[string, string, boolean]> = [
    ['the RFC example', RFC_ID, true],
    ['variant 8', '017f22e2-79b0-7cc3-88c4-dc0c0c07398f', true],
    ['variant 9', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f', true],
    ['variant a', '017f22e2-79b0-7cc3-a8c4-dc0c0c07398f', true],
    ['variant b', '017f22e2-79b0-7cc3-b8c4-dc0c0c07398f', true],
    ['variant c (Microsoft)', '017f22e2-79b0-7cc3-c8c4-dc0c0c07398f', false],
    ['variant 7 (NCS)', '017f22e2-79b0-7cc3-78c4-dc0c0c07398f', false],
    ['version 4', '017f22e2-79b0-4cc3-98c4-dc0c0c07398f', false],
    ['upper case', RFC_ID.toUpperCase(), false],
    ['no dashes', RFC_ID.replace(/-/g, ''), false],
    ['leading junk', `x${RFC_ID}`, false],
    ['trailing junk', `${RFC_ID}x`, false],
    ['non-hex in group 1', 'g17f22e2-79b0-7cc3-98c4-dc0c0c07398f', false],
    ['non-hex in group 2', '017f22e2-g9b0-7cc3-98c4-dc0c0c07398f', false],
    ['non-hex in group 3', '017f22e2-79b0-7gc3-98c4-dc0c0c07398f', false],
    ['non-hex in group 4', '017f22e2-79b0-7cc3-9gc4-dc0c0c07398f', false],
    ['non-hex in group 5', '017f22e2-79b0-7cc3-98c4-gc0c0c07398f', false],
    ['group 1 short', '17f22e2-79b0-7cc3-98c4-dc0c0c07398f', false],
    ['group 1 long', '0017f22e2-79b0-7cc3-98c4-dc0c0c07398f', false],
    ['group 2 short', '017f22e2-9b0-7cc3-98c4-dc0c0c07398f', false],
    ['group 2 long', '017f22e2-079b0-7cc3-98c4-dc0c0c07398f', false],
    ['group 3 short', '017f22e2-79b0-7c3-98c4-dc0c0c07398f', false],
    ['group 3 long', '017f22e2-79b0-7cc33-98c4-dc0c0c07398f', false],
    ['group 4 short', '017f22e2-79b0-7cc3-984-dc0c0c07398f', false],
    ['group 4 long', '017f22e2-79b0-7cc3-98c44-dc0c0c07398f', false],
    ['group 5 short', '017f22e2-79b0-7cc3-98c4-dc0c0c07398', false],
    ['group 5 long', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f0', false],
    ['empty', '', false],
  ];
  for (const [name, id, accepted] of rows) t.equal(UUID_PATTERN.test(id), accepted, name);
});
