/**
 * Runs the hub and relay as child processes through their own CLIs (the demo and
 * the benchmark use them as a user would), reading announced URLs from stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ChildService {
  child: ChildProcess;
  /** Resolves with the first capture group of `pattern` once a stdout line matches it. */
  waitFor(pattern: RegExp, limitMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function startService(bin: 'hub' | 'cloud', args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): ChildService {
  const child = spawn(process.execPath, [`bin/${bin}.js`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    log.write(line + '\n');
    lines.push(line);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (chunk) => log.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => {
    for (const w of waiters) w();
    log.end();
  });
  return {
    child,
    waitFor(pattern, limitMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of lines) {
            const m = pattern.exec(line);
            if (m) return done(() => resolve(m[1] ?? m[0]));
          }
          if (child.exitCode !== null) done(() => reject(new Error(`${bin} exited with ${child.exitCode}; see ${logFile}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${bin} did not print ${pattern} in ${limitMs} ms; see ${logFile}`))), limitMs);
        const done = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** `preferred` when it is free on host, else any free port. */
export async function freePort(preferred: number, host = '0.0.0.0'): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, host, () => {
        const got = (server.address() as { port: number }).port;
        server.close(() => resolve(got));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0))!;
}
