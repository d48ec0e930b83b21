/**
 * Debian's strace attached to a running process, for tests that prove an order of system calls
 * (durability: the write-ahead log is synced before the acknowledgement is sent).
 * `-f` because LevelDB's fdatasync runs on libuv worker threads; `-yy` names each fd by its path
 * or TCP endpoints (fd numbers change between runs); `-T` gives each call's duration, so a call's
 * end is known as well as its start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface Syscall {
  pid: number;
  name: string;
  /** The fd's name from -yy: a path, or `TCP:[local->remote]`; undefined when the first argument is no fd. */
  fd: string | undefined;
  /** The raw argument text (strings escaped as strace prints them). */
  args: string;
  result: string;
  /** Seconds since the epoch at entry, and at return (entry + duration). */
  start: number;
  end: number;
}

export interface Tracer {
  /** Detaches strace (SIGINT) and waits until its output is complete. */
  detach(): Promise<void>;
}

const TRACED = 'fdatasync,fsync,write,writev,read,recvfrom';

/** What is missing for strace to attach to a process of ours (an install hint), or undefined when it can. */
export async function straceUnavailable(): Promise<string | undefined> {
  const version = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) return 'not installed; Debian: apt-get install strace';
  const target = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  try {
    const probe = spawnSync('strace', ['-p', String(target.pid), '-e', 'trace=none', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8', timeout: 5_000 });
    // `-p PID -- true` attaches, runs nothing else to trace, and exits when `true` exits.
    if (/Operation not permitted|ptrace/i.test(probe.stderr ?? '')) return `installed, but ptrace may not attach here: ${probe.stderr.trim()}`;
    return undefined;
  } finally {
    target.kill('SIGKILL');
  }
}

/** Starts strace on `pid` (all its threads) writing to `file`; resolves once every thread is attached. */
export async function attachStrace(pid: number, file: string): Promise<Tracer> {
  const child = spawn('strace', ['-f', '-p', String(pid), '-ttt', '-T', '-yy', '-s', '256', '-e', `trace=${TRACED}`, '-o', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // strace prints one "Process N attached" per thread; the count settles within a few ms.
  const deadline = Date.now() + 10_000;
  let seen = -1;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`strace exited ${child.exitCode}: ${stderr}`);
    const attached = (stderr.match(/attached/g) ?? []).length;
    if (attached > 0 && attached === seen) break;
    if (Date.now() > deadline) throw new Error(`strace did not attach in 10 s: ${stderr}`);
    seen = attached;
    await delay(200);
  }
  let detached: Promise<void> | undefined;
  return {
    detach() {
      detached ??= (async () => {
        if (child.exitCode === null) child.kill('SIGINT');
        await exited;
      })();
      return detached;
    },
  };
}

const LINE = /^(\d+)\s+(\d+\.\d+) (\w+)\((.*)\) += (-?\w+)(?: [A-Z]\w+ \([^)]*\))? <(\d+\.\d+)>$/;
const UNFINISHED = /^(\d+)\s+(\d+\.\d+) (\w+)\((.*) <unfinished \.\.\.>$/;
const RESUMED = /^(\d+)\s+(\d+\.\d+) <\.\.\. (\w+) resumed>(.*)\) += (-?\w+)(?: [A-Z]\w+ \([^)]*\))? <(\d+\.\d+)>$/;

function fdOf(args: string): string | undefined {
  const m = /^\d+<(.*?)>(?:,|$)/.exec(args);
  return m?.[1];
}

/** Parses `strace -f -ttt -T -yy` output, joining "unfinished" and "resumed" halves of a call. */
export function parseStrace(text: string): Syscall[] {
  const calls: Syscall[] = [];
  /** half-logged calls, keyed by `${pid} ${name}` */
  const pending = new Map<string, { start: number; args: string }>();
  for (const line of text.split('\n')) {
    let m = LINE.exec(line);
    if (m) {
      const [, pid, at, name, args, result, duration] = m;
      const start = Number(at);
      calls.push({ pid: Number(pid), name: name!, fd: fdOf(args!), args: args!, result: result!, start, end: start + Number(duration) });
      continue;
    }
    m = UNFINISHED.exec(line);
    if (m) {
      pending.set(`${m[1]} ${m[3]}`, { start: Number(m[2]), args: m[4]! });
      continue;
    }
    m = RESUMED.exec(line);
    if (m) {
      const [, pid, , name, rest, result, duration] = m;
      const half = pending.get(`${pid} ${name}`);
      if (half === undefined) continue;
      pending.delete(`${pid} ${name}`);
      const args = half.args + rest!;
      calls.push({ pid: Number(pid), name: name!, fd: fdOf(args), args, result: result!, start: half.start, end: half.start + Number(duration) });
    }
  }
  return calls.sort((a, b) => a.start - b.start);
}
