import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase, type Database_ } from '../../../../db/client.js';
import type { Actor } from '../../../../server/services/context.js';
import { ReferenceService } from '../../../../server/services/reference/index.js';

export interface Person {
  email: string;
  region?: string | null;
  roles?: string[];
  topics?: string[];
  language?: string;
  status?: string;
  /** YYYY-MM-DD */
  created?: string;
  /** list id → subscription status */
  lists?: Record<number, string>;
}

export interface AuditRow {
  user_id: number | null;
  api_token_id: number | null;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  details: string | null;
  ip: string | null;
}

/**
 * A migrated SQLite file of its own (seeded regions, roles, topics and the Newsletter list),
 * the reference service on it, and an editor and an API token to act as.
 */
export function referenceFixture() {
  const dir = mkdtempSync(join(tmpdir(), 'lp-reference-'));
  const database: Database_ = openDatabase(join(dir, 'landpost.sqlite'));
  migrateDatabase(database);
  const { sqlite } = database;
  const userId = Number(
    sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  const tokenId = Number(
    sqlite
      .prepare(
        "insert into api_tokens (name, role, token_hash, prefix) values ('crm', 'editor', 'h', 'p')",
      )
      .run().lastInsertRowid,
  );
  const editor: Actor = { kind: 'user', userId, email: 'editor@example.org', ip: '203.0.113.5' };
  const token: Actor = { kind: 'api-token', tokenId, name: 'crm', ip: '198.51.100.7' };

  const sql = <T>(query: string, ...params: unknown[]) =>
    sqlite.prepare(query).all(...params) as T[];

  /** People written directly, with their profile and subscriptions; returns their ids. */
  const people = (list: Person[]): number[] =>
    sqlite.transaction(() =>
      list.map((p) => {
        const { id } = sqlite
          .prepare(
            'insert into subscribers (email, region_key, status, language, created_at) values (?, ?, ?, ?, ?) returning id',
          )
          .get(
            p.email,
            p.region ?? null,
            p.status ?? 'confirmed',
            p.language ?? 'de',
            Date.parse(p.created ?? '2026-01-15'),
          ) as { id: number };
        for (const r of p.roles ?? [])
          sqlite.prepare('insert into subscriber_roles values (?, ?)').run(id, r);
        for (const t of p.topics ?? [])
          sqlite.prepare('insert into subscriber_topics values (?, ?)').run(id, t);
        for (const [listId, status] of Object.entries(p.lists ?? {}))
          sqlite
            .prepare('insert into subscriptions (subscriber_id, list_id, status) values (?, ?, ?)')
            .run(id, Number(listId), status);
        return id;
      }),
    )();

  return {
    database,
    service: new ReferenceService({ db: database.db }),
    editor,
    token,
    userId,
    tokenId,
    sql,
    run: (query: string, ...params: unknown[]) => void sqlite.prepare(query).run(...params),
    people,
    audit: (entity: string) =>
      sql<AuditRow>('select * from audit_log where entity = ? order by id', entity),
    close: () => {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ReferenceFixture = ReturnType<typeof referenceFixture>;
