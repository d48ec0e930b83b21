/**
 * A serial cable that can be pulled and plugged back (docs/firmware-sim.md#unplug): a socat PTY
 * pair (./pty.ts) whose links live in one folder, so after replug() the hub finds the device at the
 * same path again, as a `/dev/serial/by-id/` link follows a real adapter. unplug() kills socat: the
 * hub's port hangs up and its driver starts reopening with backoff.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPtyPair, type PtyPair } from './pty.ts';

export interface PtyPlug {
  readonly devicePath: string;
  readonly hubPath: string;
  readonly plugged: boolean;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  /** Unplugs and removes the folder. */
  close(): Promise<void>;
}

export async function createPtyPlug(options: { dir?: string; socatPath?: string } = {}): Promise<PtyPlug> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'carehub-sim-')));
  const make = () => createPtyPair({ dir, ...(options.socatPath !== undefined && { socatPath: options.socatPath }) });
  let pair: PtyPair | null = await make();
  const { devicePath, hubPath } = pair;
  return {
    devicePath,
    hubPath,
    get plugged() {
      return pair !== null;
    },
    async unplug() {
      const current = pair;
      pair = null;
      await current?.close();
    },
    async replug() {
      if (pair) return;
      pair = await make();
    },
    async close() {
      const current = pair;
      pair = null;
      await current?.close();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
