/** SQL for care notes; every statement names the caller's organisation (`$org`, docs/records.md#tenancy). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { CareNote } from './schema.ts';

interface NoteRow {
  id: string;
  resident_id: string;
  author: string;
  text: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toNote(r: NoteRow): CareNote {
  return {
    id: r.id,
    residentId: r.resident_id,
    author: r.author,
    note: r.text,
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** False when the resident is not one of the caller's organisation. */
export async function insertNote(s: ScopedDb, id: string, residentId: string, author: string, text: string, at: Date): Promise<boolean> {
  const { rows } = await s.query(
    `INSERT INTO care_notes (id, org_id, resident_id, author, text, created_at, updated_at)
     SELECT $1, r.org_id, r.id, $3, $4, $5, $5 FROM residents r WHERE r.id = $2 AND r.org_id = $org RETURNING id`,
    [id, residentId, author, text, at.toISOString()],
  );
  return rows.length === 1;
}

export async function findNote(s: ScopedDb, id: string, forUpdate = false): Promise<CareNote | undefined> {
  const { rows } = await s.query<NoteRow>(`SELECT * FROM care_notes WHERE org_id = $org AND id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] === undefined ? undefined : toNote(rows[0]);
}

/** Newest first, keyset by id (UUIDv7: creation order). */
export async function listNotes(s: ScopedDb, residentId: string, before: string | undefined, limit: number): Promise<CareNote[]> {
  const { rows } = await s.query<NoteRow>(
    `SELECT * FROM care_notes WHERE org_id = $org AND resident_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid) ORDER BY id DESC LIMIT $3`,
    [residentId, before ?? null, limit],
  );
  return rows.map(toNote);
}

export async function updateNote(s: ScopedDb, id: string, text: string, at: Date): Promise<void> {
  await s.query('UPDATE care_notes SET text = $2, version = version + 1, updated_at = $3 WHERE org_id = $org AND id = $1', [id, text, at.toISOString()]);
}
