/**
 * The layering rules of docs/architecture.md#layout, checked on every import (type imports
 * included: a type import is still a dependency between folders).
 */
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');

export interface Import {
  file: string;
  line: number;
  /** As written: a package name, `node:x`, or a path resolved from the repository root. */
  target: string;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Every import and re-export in `text`, relative targets resolved to repository paths. */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1]!;
    const line = text.slice(0, m.index).split('\n').length;
    const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)) : spec;
    out.push({ file, line, target });
  }
  return out;
}

/** `node:fs` and `fs` name the same module; builtins a pure codec may use are none of the I/O ones. */
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|child_process|worker_threads|cluster|os|tls|dns|readline|process|timers|timers\/promises)$/;
/** Packages protocols/ may use: schemas only. */
const PROTOCOL_PACKAGES = new Set(['zod']);

interface Rule {
  name: string;
  applies(file: string): boolean;
  forbids(target: string): boolean;
}

const under = (folder: string) => (path: string) => path === folder || path.startsWith(`${folder}/`);
const isPackage = (target: string) => !target.startsWith('.') && !/^(hub|cloud|protocols|drivers|firmware-sim|bench|test|config)\//.test(target);

export const RULES: readonly Rule[] = [
  { name: 'hub/ never imports cloud/', applies: under('hub'), forbids: under('cloud') },
  { name: 'cloud/ never imports hub/', applies: under('cloud'), forbids: under('hub') },
  { name: 'hub/alarms/ never imports hub/rules/ (rules produce commands, alarms apply them)', applies: under('hub/alarms'), forbids: under('hub/rules') },
  {
    name: 'protocols/ imports only protocols/ and zod: nothing with I/O',
    applies: under('protocols'),
    forbids: (target) => (isPackage(target) ? IO_MODULES.test(target) || (!target.startsWith('node:') && !PROTOCOL_PACKAGES.has(target.split('/')[0]!)) : !under('protocols')(target)),
  },
  {
    name: 'drivers/ imports only drivers/ and protocols/ from this repository',
    applies: under('drivers'),
    forbids: (target) => !isPackage(target) && !under('drivers')(target) && !under('protocols')(target),
  },
  {
    name: 'only drivers/serial/serialport-binding.ts and drivers/serial/mock-binding.ts import serialport',
    applies: (file) => file !== 'drivers/serial/serialport-binding.ts' && file !== 'drivers/serial/mock-binding.ts',
    forbids: (target) => target === 'serialport' || target.startsWith('@serialport/'),
  },
];

export function violations(imports: readonly Import[], rules: readonly Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const imp of imports) {
    for (const rule of rules) {
      if (rule.applies(imp.file) && rule.forbids(imp.target)) out.push(`${imp.file}:${imp.line} imports ${imp.target}: ${rule.name}`);
    }
  }
  return out;
}

function sources(folder: string): string[] {
  const full = join(root, folder);
  return readdirSync(full).flatMap((name) => {
    const path = join(folder, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    if (statSync(join(root, path)).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

t.test('the source tree keeps the layering rules', async (t) => {
  const files = ['hub', 'cloud', 'protocols', 'drivers', 'firmware-sim', 'bench'].flatMap(sources);
  const imports = files.flatMap((file) => importsOf(relative(root, join(root, file)), readFileSync(join(root, file), 'utf8')));
  t.ok(imports.some((i) => i.file === 'hub/alarms/alarm-service.ts' && i.target === 'hub/alarms/alarm-command.ts'), 'relative imports are resolved');
  t.ok(imports.length > 200, `${imports.length} imports read`);
  t.same(violations(imports), []);
});

t.test('each rule catches what it forbids', async (t) => {
  const check = (file: string, text: string) => violations(importsOf(file, text));
  t.match(check('hub/alarms/alarm-service.ts', "import type { AlarmCommand } from '../rules/rule.ts';"), [/hub\/alarms\/ never imports hub\/rules\//]);
  t.match(check('hub/forwarder.ts', "import { x } from '../cloud/store/open.ts';"), [/hub\/ never imports cloud\//]);
  t.match(check('cloud/app.ts', "export { y } from '../hub/metrics.ts';"), [/cloud\/ never imports hub\//]);
  t.match(check('cloud/app.ts', "const m = await import('../hub/main.ts');"), [/cloud\/ never imports hub\//]);
  t.match(check('protocols/event.ts', "import { readFileSync } from 'node:fs';"), [/nothing with I\/O/]);
  t.match(check('protocols/event.ts', "import { pino } from 'pino';"), [/nothing with I\/O/]);
  t.match(check('protocols/event.ts', "import type { Clock } from '../hub/clock.ts';"), [/nothing with I\/O/]);
  t.match(check('drivers/serial/call-receiver.ts', "import type { Metrics } from '../../hub/metrics.ts';"), [/drivers\/ imports only/]);
  t.match(check('hub/main.ts', "import { SerialPort } from 'serialport';"), [/only drivers\/serial/]);
  t.same(check('protocols/event.ts', "import { z } from 'zod';\nimport { Id } from './ids.ts';"), [], 'zod and protocols/ are fine');
  t.same(check('hub/alarms/alarm-service.ts', "import type { Clock } from '../clock.ts';"), [], 'the rest of hub/ is fine');
});
