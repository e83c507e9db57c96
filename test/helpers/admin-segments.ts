import type { TestApp } from './app.js';

/**
 * People with regions, roles and list subscriptions, written directly: who is in Harz
 * (15085), who is a volunteer, on which list. Returns their ids by e-mail.
 */
export function seedSubscribers(
  t: TestApp,
  people: {
    email: string;
    region: string | null;
    roles: string[];
    status?: string;
    language?: string;
    lists?: number[];
  }[],
): Map<string, number> {
  const sqlite = t.runtime.database.sqlite;
  const ids = new Map<string, number>();
  const insert = sqlite.prepare(
    'insert into subscribers (email, region_key, status, language) values (?, ?, ?, ?) returning id',
  );
  const role = sqlite.prepare(
    'insert into subscriber_roles (subscriber_id, role_key) values (?, ?)',
  );
  const sub = sqlite.prepare(
    "insert into subscriptions (subscriber_id, list_id, status) values (?, ?, 'confirmed')",
  );
  sqlite.transaction(() => {
    for (const p of people) {
      const { id } = insert.get(p.email, p.region, p.status ?? 'confirmed', p.language ?? 'de') as {
        id: number;
      };
      ids.set(p.email, id);
      for (const r of p.roles) role.run(id, r);
      for (const l of p.lists ?? []) sub.run(id, l);
    }
  })();
  return ids;
}
