/**
 * A linked pseudo-terminal pair made by socat (docs/adding-a-device.md#serial-pitfalls): the simulator opens `devicePath`,
 * the hub's driver opens `hubPath`, and bytes written at one end come out of the other. A PTY
 * ignores the baud rate, so whoever needs wire timing paces its own writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PtyPairOptions {
  /** Folder for the two links; a fresh temp folder (removed on close) when omitted. */
  dir?: string;
  /** How long socat gets to create both links, ms. */
  timeoutMs?: number;
  socatPath?: string;
}

export interface PtyPair {
  /** The end a simulated device writes to. */
  devicePath: string;
  /** The end the hub's driver opens. */
  hubPath: string;
  /** Kills socat (the hub end then sees the port go away) and removes what this pair created. */
  close(): Promise<void>;
}

export type PtyErrorCode = 'socat-missing' | 'socat-exited' | 'timeout';

export class PtyError extends Error {
  override readonly name = 'PtyError';
  constructor(
    readonly code: PtyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether socat can be run; tests skip with this reason when it cannot. */
export function socatAvailable(socatPath = 'socat'): boolean {
  const candidates = socatPath.includes('/') ? [socatPath] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, socatPath));
  return candidates.some((file) => {
    try {
      accessSync(file, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const SOCAT_MISSING_REASON = 'socat is not installed (Debian: apt-get install socat); PTY serial tests need it';

export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const socatPath = options.socatPath ?? 'socat';
  if (!socatAvailable(socatPath)) throw new PtyError('socat-missing', SOCAT_MISSING_REASON);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'carehub-pty-')));
  const devicePath = join(dir, 'ttyDEV');
  const hubPath = join(dir, 'ttyHUB');
  const child = spawn(socatPath, ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hubPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  async function cleanup(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    if (ownDir) await rm(dir, { recursive: true, force: true });
    else await Promise.all([rm(devicePath, { force: true }), rm(hubPath, { force: true })]);
  }

  try {
    await waitForLinks(child, [devicePath, hubPath], options.timeoutMs ?? 5_000);
  } catch (err) {
    await cleanup();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    devicePath,
    hubPath,
    close() {
      closing ??= cleanup();
      return closing;
    },
  };
}

/** socat logs "starting data transfer loop" once both PTYs and links exist; the links are checked too. */
function waitForLinks(child: ChildProcess, links: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => finish(new PtyError('timeout', `socat made no PTY pair within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
    function finish(err?: Error): void {
      clearTimeout(timer);
      child.stderr?.off('data', onStderr);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining stderr so socat never blocks on a full pipe.
      child.stderr?.resume();
      if (err) reject(err);
      else resolve();
    }
    function onStderr(chunk: Buffer): void {
      stderr += chunk.toString('utf8');
      if (stderr.includes('starting data transfer loop') && links.every((l) => existsSync(l))) finish();
    }
    function onExit(code: number | null, signal: NodeJS.Signals | null): void {
      finish(new PtyError('socat-exited', `socat exited (${code ?? signal}) before the PTY pair was ready: ${stderr.trim()}`));
    }
    function onError(err: Error): void {
      finish(new PtyError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'socat-missing' : 'socat-exited', `cannot run socat: ${err.message}`, { cause: err }));
    }
    child.stderr?.on('data', onStderr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
