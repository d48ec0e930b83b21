import t from 'tap';
import { readdirSync } from 'node:fs';
import { CODECS, getCodec } from '../../protocols/codecs.ts';

t.test('codec ids are unique and every codec round-trips its own frames', async (t) => {
  const ids = CODECS.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length, 'unique ids');
  for (const codec of CODECS) {
    t.equal(getCodec(codec.id), codec);
    const frame = { receiver: 3, callPoint: 300, event: 'pull-cord', seq: 77, battery: 50 } as const;
    const bytes = codec.encode(frame);
    t.same(codec.decode(bytes), { ok: true, frame }, `${codec.id} decode(encode(x)) = x`);
    t.match(codec.createFramer().push(bytes), [{ ok: true, frame }], `${codec.id} framer finds the frame`);
  }
});

t.test('every frame format file has a codec registered', async (t) => {
  // Frame formats are protocols/*-frame.ts; each needs an entry in CODECS.
  const formats = readdirSync(new URL('../../protocols/', import.meta.url)).filter((f) => f.endsWith('-frame.ts'));
  t.ok(formats.length >= CODECS.length, `${formats.length} frame files for ${CODECS.length} codecs`);
  t.equal(formats.length, CODECS.length, 'one codec per frame file');
});

t.test('the v1 codec is registered under its documented id; unknown ids find nothing', async (t) => {
  t.same(CODECS.map((c) => c.id), ['call-frame-v1']);
  t.match(getCodec('call-frame-v1')?.description, /^Call-point receiver frame v1: START 0xA5/);
  t.equal(getCodec('call-frame-v2'), undefined);
  t.equal(getCodec(''), undefined);
  const a = getCodec('call-frame-v1')!.createFramer();
  const b = getCodec('call-frame-v1')!.createFramer();
  t.not(a, b, 'each stream gets its own framer');
});
