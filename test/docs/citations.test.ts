/**
 * Every `.md` file a source, test or doc cites is in this repository (and so is the section after
 * `#`, for Markdown files), and a comment that says "promise N" names docs/architecture.md nearby,
 * where the promises are written down. A reader of the code can follow every citation.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const SCANNED = ['hub', 'cloud', 'protocols', 'drivers', 'firmware-sim', 'bench', 'test', 'docs', 'bin', 'config', 'README.md', 'CHANGELOG.md', '.ci'];
const TEXT = /\.(ts|mts|mjs|js|md|sql|html|css|json|sh)$|^run$/;
const ARCHITECTURE = 'docs/architecture.md';
/** How many lines above or below a "promise N" may name docs/architecture.md. */
const NEAR = 2;

/** A `.md` path not inside a URL or a longer name; `#anchor` optional. */
const CITATION = /(?<![\w./:@-])([\w./-]*[\w-]\.md)(?:#([\w-]+))?/g;
const PROMISE = /\bpromises? \d/i;

export interface Problem {
  file: string;
  line: number;
  message: string;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const slug = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    let unique = slug;
    for (let i = 1; slugs.has(unique); i++) unique = `${slug}-${i}`;
    slugs.add(unique);
  }
  return slugs;
}

/**
 * The prose of each line: the whole line in Markdown and plain text, the comments in code (`//`,
 * `/* ... *\/`, SQL `--`, shell `#`). Paths in code strings are not citations: a test that reads a
 * file names it in a string and fails by itself when the file is missing.
 */
export function proseLines(file: string, text: string): string[] {
  if (/\.(md|txt)$/.test(file)) return text.split('\n');
  const lineComment = /\.sql$/.test(file) ? '--' : /\.(sh)$|(^|\/)run$/.test(file) ? '#' : '//';
  const out: string[] = [];
  let inBlock = false;
  let template = false; // a backtick string may span lines
  for (const line of text.split('\n')) {
    let prose = '';
    let quote: string | null = template ? '`' : null;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (inBlock) {
        if (line.startsWith('*/', i)) {
          inBlock = false;
          i++;
        } else prose += c;
      } else if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (line.startsWith(lineComment, i)) {
        prose += line.slice(i + lineComment.length);
        break;
      } else if (line.startsWith('/*', i)) {
        inBlock = true;
        i++;
      } else if (c === "'" || c === '"' || c === '`') quote = c;
    }
    template = quote === '`';
    out.push(prose);
  }
  return out;
}

/**
 * What is wrong with the citations in one file's text. `read(path)` returns a repository file's
 * text by its path from the root, or undefined when the repository does not hold it.
 */
export function citationProblems(file: string, text: string, read: (path: string) => string | undefined): Problem[] {
  const problems: Problem[] = [];
  const lines = proseLines(file, text);
  lines.forEach((line, i) => {
    for (const m of line.matchAll(CITATION)) {
      const [, cited, anchor] = m;
      // Relative to the citing file (Markdown links), else to the repository root (comments).
      const candidates = [join(dirname(file), cited!), cited!].map((p) => p.replace(/^\.\//, ''));
      const found = candidates.find((p) => !p.startsWith('..') && read(p) !== undefined);
      if (found === undefined) {
        problems.push({ file, line: i + 1, message: `cites ${cited}, which this repository does not hold` });
      } else if (anchor !== undefined && !headingSlugs(read(found)!).has(anchor)) {
        problems.push({ file, line: i + 1, message: `cites ${found}#${anchor}, but ${found} has no such section` });
      }
    }
    if (file !== ARCHITECTURE && PROMISE.test(line)) {
      const near = lines.slice(Math.max(0, i - NEAR), i + NEAR + 1).join('\n');
      if (!near.includes(ARCHITECTURE)) {
        problems.push({ file, line: i + 1, message: `says "${PROMISE.exec(line)![0]}" without naming ${ARCHITECTURE}, where the promises are` });
      }
    }
  });
  return problems;
}

function walk(path: string): string[] {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return TEXT.test(path.split('/').pop()!) ? [path] : [];
  return readdirSync(full)
    .filter((name) => name !== 'node_modules' && !name.startsWith('.'))
    .flatMap((name) => walk(join(path, name)));
}

function readRepoFile(path: string): string | undefined {
  const full = join(root, path);
  if (relative(root, full).startsWith('..') || !existsSync(full) || !statSync(full).isFile()) return undefined;
  return readFileSync(full, 'utf8');
}

t.test('every cited .md file and section exists; every "promise N" names docs/architecture.md', async (t) => {
  const files = SCANNED.flatMap(walk);
  t.ok(files.length > 100, `scanned ${files.length} files`);
  t.ok(files.includes('hub/main.ts') && files.includes('docs/architecture.md') && files.includes('.ci/run'), 'the scan reaches sources, docs and CI');
  const problems = files.flatMap((file) => citationProblems(file, readFileSync(join(root, file), 'utf8'), readRepoFile));
  t.same(
    problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
    [],
  );
});

/** A source or test path in backticks, as docs name the files that implement or prove something. */
const DOC_PATH = /`((?:hub|cloud|protocols|drivers|firmware-sim|bench|test|config|bin)\/[\w./-]+\.(?:ts|mjs|js|sql|json|html))`/g;

t.test('every source or test file the docs name exists', async (t) => {
  const docs = ['README.md', ...walk('docs')].filter((f) => f.endsWith('.md'));
  const named = docs.flatMap((doc) => [...readFileSync(join(root, doc), 'utf8').matchAll(DOC_PATH)].map((m) => ({ doc, path: m[1]! })));
  t.ok(named.some((n) => n.doc === ARCHITECTURE && n.path.startsWith('test/')), 'docs/architecture.md names its tests');
  t.same(
    named.filter((n) => readRepoFile(n.path) === undefined).map((n) => `${n.doc} names ${n.path}, which does not exist`),
    [],
  );
});

t.test('the checker finds what it is for', async (t) => {
  const repo = new Map([
    ['docs/architecture.md', '# Architecture\n\n## The seams\n\n## Promises\n'],
    ['docs/mqtt-topics.md', '# MQTT\n'],
    ['README.md', '# carehub\n'],
  ]);
  const read = (p: string) => repo.get(p);
  // Names built from parts so that this file does not cite them itself.
  const md = (name: string) => `${name}.md`;
  const gone = ['STYLE', 'TOOLCHAIN', 'ARCHITECTURE'].map(md);
  for (const name of gone) {
    t.same(
      citationProblems('hub/x.ts', `// see ${name} item 3`, read).map((p) => p.message),
      [`cites ${name}, which this repository does not hold`],
      `${name} is not in the repository`,
    );
  }
  t.same(citationProblems('hub/x.ts', `// ${md('docs/architecture')}#the-seams and ${md('docs/mqtt-topics')}`, read), [], 'existing file and section');
  t.same(citationProblems(md('docs/a'), `[MQTT](${md('mqtt-topics')}) [home](${md('../README')})`, read), [], 'relative to the citing doc');
  t.match(citationProblems('hub/x.ts', `// ${md('docs/architecture')}#no-such-section`, read), [{ line: 1, message: /no such section/ }]);
  t.match(citationProblems('hub/x.ts', `/**\n * keeps promise${' '}1\n */`, read), [{ line: 2, message: /without naming docs.architecture/ }]);
  t.same(citationProblems('hub/x.ts', `/**\n * keeps promise${' '}1\n * (${md('docs/architecture')}#promises)\n */`, read), [], 'a promise with its doc nearby');
  t.same(citationProblems('hub/x.ts', `// https://github.com/o/r/blob/main/${md('NOTES')} and ${md('*')}`, read), [], 'URLs and globs are not citations');
  t.same(citationProblems('test/x.test.ts', `const notes = join(root, '..', 'shared', '${md('NOTES')}'); // read in place`, read), [], 'a path in a code string is not a citation');
  t.match(citationProblems('hub/x.ts', `const a = 1; // see ${md('STYLE')}\nconst b = '//'; /* and ${md('GONE')} */`, read), [{ line: 1 }, { line: 2 }], 'comments after code are read');
  t.match(citationProblems('cloud/m.sql', `SELECT 1; -- see ${md('GONE')}`, read), [{ line: 1 }], 'SQL comments are read');
  t.match(citationProblems('hub/x.ts', `/*\n  block ${md('GONE')}\n*/`, read), [{ line: 2 }], 'block comments without a leading star are read');
});

t.test('heading slugs follow GitHub', async (t) => {
  t.same([...headingSlugs('# A B\n## The seams\n### `x.ts`, y!\n```\n# not a heading\n```\n## The seams\n')], ['a-b', 'the-seams', 'xts-y', 'the-seams-1']);
});
