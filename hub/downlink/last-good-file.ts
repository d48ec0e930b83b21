/**
 * The last good downlink on disk, `<dataDir>/downlink.json` (docs/downlink.md#on-disk), so a hub
 * that restarts without the relay still has its bindings. Written to a temporary file, fsynced,
 * renamed over the old one, and the folder fsynced: after a power cut the file is the old version
 * or the new one, never a torn mix.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DownlinkDocument } from '../../protocols/downlink.ts';

export const LAST_GOOD_FILE = 'downlink.json';

export const StoredDownlink = z.strictObject({
  /** Lets a later hub tell this layout from its own. */
  format: z.literal(1),
  etag: z.string().max(200).nullable(),
  savedAt: z.string(),
  document: DownlinkDocument,
});
export type StoredDownlink = z.infer<typeof StoredDownlink>;

export type LastGoodRead = { kind: 'missing' } | { kind: 'ok'; stored: StoredDownlink } | { kind: 'unreadable'; message: string };

export async function readLastGood(path: string): Promise<LastGoodRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: (err as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { kind: 'unreadable', message: `not JSON: ${(err as Error).message}` };
  }
  const parsed = StoredDownlink.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { kind: 'unreadable', message: `not a stored downlink: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}` };
  }
  return { kind: 'ok', stored: parsed.data };
}

export async function writeLastGood(path: string, stored: StoredDownlink): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // 0600: resident names are personal data, like the event log beside it.
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(stored)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  // The rename is durable only once the folder's entry is on disk.
  const folder = await open(dirname(path), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
