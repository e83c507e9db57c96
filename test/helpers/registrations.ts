import type { Database_ } from '../../db/client.js';

/** A registration row as the public registration page would leave it. */
export interface RegistrationRow {
  name: string;
  email?: string | null;
  status?: 'registered' | 'waiting' | 'cancelled';
  organisation?: string;
  regionKey?: string | null;
  roleKey?: string | null;
}

/** Registers people for an event by writing their rows; answers their ids in the given order. */
export function insertRegistrations(
  database: Pick<Database_, 'sqlite'>,
  eventId: number,
  rows: RegistrationRow[],
): number[] {
  const insert = database.sqlite.prepare(
    `insert into event_registrations
       (event_id, status, name, email, organisation, region_key, role_key, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  return rows.map((r, i) =>
    Number(
      insert.run(
        eventId,
        r.status ?? 'registered',
        r.name,
        r.email === undefined ? `person${eventId}-${i}-${now}@example.org` : r.email,
        r.organisation ?? '',
        r.regionKey ?? null,
        r.roleKey ?? null,
        now,
        now,
      ).lastInsertRowid,
    ),
  );
}
