import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ADXL345_G_PER_COUNT, ITG3200_DPS_PER_COUNT, MMA8451Q_G_PER_COUNT, parseSisFall, SisFallParseError } from '../../../hub/falls/sisfall.ts';
import { requirement } from '../../support/requirements.ts';

const SISFALL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/falls/sisfall');

const rows = (trace: ReturnType<typeof parseSisFall>, key: 'adxl' | 'gyro' | 'mma') => {
  const out: number[][] = [];
  for (let i = 0; i < trace.length; i++) out.push([...trace[key].slice(3 * i, 3 * i + 3)]);
  return out;
};

t.test('scale factors from the SisFall Readme: (2 × range / 2^bits) per count', async (t) => {
  t.equal(ADXL345_G_PER_COUNT, 32 / 8192, 'ADXL345 13 bit ±16 g');
  t.equal(ITG3200_DPS_PER_COUNT, 4000 / 65536, 'ITG3200 16 bit ±2000 °/s');
  t.equal(MMA8451Q_G_PER_COUNT, 16 / 16384, 'MMA8451Q 14 bit ±8 g');
});

t.test('vectors: one sample per line, in physical units', async (t) => {
  // [text, adxl g, gyro °/s, mma g]
  const table: Array<[string, string, number[], number[], number[]]> = [
    // the first line of F01_SA01_R01.txt, as published: padded with spaces, `;`, CRLF
    ['published line', '  -9,-257,  -25,   84,  247,   27, -120,-987,   63;\r\n', [-9 / 256, -257 / 256, -25 / 256], [84, 247, 27].map((v) => (v * 4000) / 65536), [-120 / 1024, -987 / 1024, 63 / 1024]],
    // standing upright: y = -256 counts = -1 g on both accelerometers
    ['standing, no `;`, LF', '0,-256,0,0,0,0,0,-1024,0\n', [0, -1, 0], [0, 0, 0], [0, -1, 0]],
    // full-scale ADXL345 (±4096 counts = ±16 g) and a + sign
    ['full scale, + sign', '4095,-4096,+1,32767,-32768,0,8191,-8192,0;', [4095 / 256, -16, 1 / 256], [32767, -32768, 0].map((v) => (v * 4000) / 65536), [8191 / 1024, -8, 0]],
    ['tabs around fields', '\t1,\t2 ,3,4,5,6,7,8,9 ;\t', [1 / 256, 2 / 256, 3 / 256], [4, 5, 6].map((v) => (v * 4000) / 65536), [7 / 1024, 8 / 1024, 9 / 1024]],
  ];
  for (const [name, text, adxl, gyro, mma] of table) {
    const trace = parseSisFall(text);
    t.equal(trace.length, 1, name);
    t.equal(trace.sampleRateHz, 200, name);
    t.same(rows(trace, 'adxl'), [adxl], `${name}: ADXL345`);
    t.same(rows(trace, 'gyro'), [gyro], `${name}: ITG3200`);
    t.same(rows(trace, 'mma'), [mma], `${name}: MMA8451Q`);
  }
});

t.test('CRLF, LF, lone CR, blank lines and a missing last line end all read alike', async (t) => {
  const lines = ['1,2,3,4,5,6,7,8,9;', '-1,-2,-3,-4,-5,-6,-7,-8,-9;', '10,20,30,40,50,60,70,80,90;'];
  const expected = rows(parseSisFall(lines.join('\n') + '\n'), 'adxl');
  t.equal(expected.length, 3);
  t.same(expected[1], [-1 / 256, -2 / 256, -3 / 256]);
  for (const [name, text] of [
    ['CRLF', lines.join('\r\n') + '\r\n'],
    ['CR', lines.join('\r')],
    ['no final line end', lines.join('\n')],
    ['blank lines between and after', `\r\n${lines[0]}\r\n\r\n   \r\n${lines[1]}\n\n${lines[2]}\r\n\r\n`],
  ]) {
    t.same(rows(parseSisFall(text!), 'adxl'), expected, name!);
  }
  t.equal(parseSisFall('').length, 0, 'an empty text has no samples');
  t.equal(parseSisFall('\r\n \r\n').length, 0, 'blank lines only');
});

t.test('a malformed line is an error naming the line and showing it', async (t) => {
  const good = '1,2,3,4,5,6,7,8,9;';
  const table: Array<[string, string]> = [
    ['8 fields', '1,2,3,4,5,6,7,8;'],
    ['10 fields', '1,2,3,4,5,6,7,8,9,10;'],
    ['a decimal', '1,2.5,3,4,5,6,7,8,9;'],
    ['an empty field', '1,,3,4,5,6,7,8,9;'],
    ['a word', 'x,2,3,4,5,6,7,8,9;'],
    ['a lone minus', '-,2,3,4,5,6,7,8,9;'],
    ['two numbers in one field', '1 2,2,3,4,5,6,7,8,9;'],
    ['text after the `;`', '1,2,3,4,5,6,7,8,9;x'],
    ['two `;`', '1,2,3,4,5,6,7,8,9;;'],
    ['semicolons as separators', '1;2;3;4;5;6;7;8;9;'],
  ];
  for (const [name, bad] of table) {
    const text = `${good}\r\n${good}\r\n\r\n${bad}\r\n${good}\r\n`;
    t.throws(() => parseSisFall(text), { name: 'SisFallParseError', code: 'SISFALL_MALFORMED_LINE', line: 4, message: `line 4: expected 9 comma-separated integers, got ${JSON.stringify(bad)}` }, name);
  }
  const long = '1,'.repeat(100);
  const err = (() => {
    try {
      parseSisFall(long);
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof SisFallParseError);
  t.ok((err as Error).message.length < 140, 'a long line is shown shortened');
});

t.test('a real trial file', { skip: requirement('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository') }, async (t) => {
  const trace = parseSisFall(readFileSync(join(SISFALL, 'SA01/F01_SA01_R01.txt'), 'utf8'));
  t.equal(trace.length, 3000, '15 s at 200 Hz');
  t.same(rows(trace, 'adxl')[0], [-9 / 256, -257 / 256, -25 / 256], 'first sample (standing: y ≈ -1 g)');
  t.same(rows(trace, 'mma')[2999], [-541 / 1024, 291 / 1024, -823 / 1024], 'last sample (MMA8451Q)');
  t.same(rows(trace, 'adxl')[2999], [-112 / 256, 66 / 256, -246 / 256], 'last sample (ADXL345)');
});
