/**
 * Reading subscribers: a page of people with their roles, topics and lists answers what the
 * database holds, in a fixed number of SQL statements whatever the page size.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../../../db/schema.js';
import { Secrets } from '../../../../server/infra/security.js';
import { createServices } from '../../../../server/services/index.js';
import type { Cursor, PageQuery } from '../../../../server/services/subscribers/index.js';
import { startServiceTest, type ServiceTest } from './_service.js';

let t: ServiceTest;
const PEOPLE = 230;

beforeAll(async () => {
  t = await startServiceTest();
  t.run("insert into lists (key, name) values ('second', 'Zweite')");
  const lists = t.sql<{ id: number }>('select id from lists order by id').map((l) => l.id);
  const roles = ['volunteer', 'staff', 'other'];
  const topics = ['funding'];
  const db = t.database.sqlite;
  const person = db.prepare(
    "insert into subscribers (email, name, status, created_at, updated_at, tracking_consent) values (?, ?, 'confirmed', ?, ?, ?) returning id",
  );
  const role = db.prepare('insert into subscriber_roles (subscriber_id, role_key) values (?, ?)');
  const topic = db.prepare(
    'insert into subscriber_topics (subscriber_id, topic_key) values (?, ?)',
  );
  const list = db.prepare(
    'insert into subscriptions (subscriber_id, list_id, status, created_at) values (?, ?, ?, 0)',
  );
  db.transaction(() => {
    for (let i = 0; i < PEOPLE; i++) {
      const at = Date.UTC(2026, 0, 1) + i * 1000;
      const { id } = person.get(`p${i}@example.org`, `Person ${i}`, at, at, i % 2) as {
        id: number;
      };
      for (const r of roles.slice(0, i % 4)) role.run(id, r);
      if (i % 3 === 0) topic.run(id, topics[0]);
      list.run(id, lists[0], 'confirmed');
      // Every fifth left the second list: an ended subscription is not shown.
      if (i % 2 === 0) list.run(id, lists[1], i % 5 === 0 ? 'unsubscribed' : 'confirmed');
    }
  })();
});
afterAll(async () => {
  await t?.close();
});

const query = (limit: number): PageQuery => ({
  filter: {},
  sort: 'created',
  direction: 'desc',
  limit,
});

describe('profilePage', () => {
  it('gives 200 people with exactly the roles, topics and lists the database holds', () => {
    const page = t.service.lookup.profilePage(query(200));
    expect(page.items).toHaveLength(200);
    expect(page.total).toBe(PEOPLE);
    const keys = (sql: string, id: number) =>
      t
        .sql<{ v: string | number }>(sql, id)
        .map((r) => r.v)
        .sort();
    for (const item of page.items) {
      const [row] = t.sql<Record<string, unknown>>(
        'select email, name, tracking_consent from subscribers where id = ?',
        item.id,
      );
      expect({
        email: item.email,
        name: item.name,
        tracking_consent: Number(item.trackingConsent),
      }).toEqual(row);
      expect(item.roleKeys.slice().sort()).toEqual(
        keys('select role_key as v from subscriber_roles where subscriber_id = ?', item.id),
      );
      expect(item.topicKeys).toEqual(
        keys('select topic_key as v from subscriber_topics where subscriber_id = ?', item.id),
      );
      expect(item.listIds.slice().sort()).toEqual(
        keys(
          "select list_id as v from subscriptions where subscriber_id = ? and status in ('unconfirmed', 'confirmed')",
          item.id,
        ),
      );
    }
    // Newest first, then the next page continues where this one ended.
    const created = page.items.map((i) => i.createdAt);
    expect(created).toEqual(created.slice().sort((a, b) => b - a));
    const rest = t.service.lookup.profilePage({ ...query(200), after: page.next });
    expect(rest.items).toHaveLength(PEOPLE - 200);
  });

  it('runs as many SQL statements for 200 people as for 10', () => {
    const statements: string[] = [];
    const sqlite = new Database(t.config.databaseFile, {
      verbose: (sql) => statements.push(String(sql)),
    });
    try {
      const { subscribers } = createServices({
        db: drizzle(sqlite, { schema }),
        config: t.config,
        secrets: new Secrets(t.config.secretKey),
        queues: t.queues,
        log: { info() {}, warn() {}, error() {} },
      });
      const count = (limit: number) => {
        statements.length = 0;
        const page = subscribers.lookup.profilePage(query(limit));
        expect(page.items).toHaveLength(limit);
        return statements.length;
      };
      const small = count(10);
      const large = count(200);
      expect(large).toBe(small);
      // The page, the total, the people, their roles, topics and lists.
      expect(large).toBeLessThanOrEqual(6);
    } finally {
      sqlite.close();
    }
  });

  it('a cursor of the wrong shape for the sort gives the first page, not an SQL error', () => {
    const first = t.service.lookup.page(query(5)).rows.map((r) => r.id);
    const tampered = [
      { key: { a: 1 }, id: 1 },
      { key: true, id: 1 },
      { id: 5 },
      { key: 'yesterday', id: 3 },
      { key: Date.now(), id: 1.5 },
    ] as unknown as Cursor[];
    for (const after of tampered) {
      expect(t.service.lookup.page({ ...query(5), after }).rows.map((r) => r.id)).toEqual(first);
    }
  });
});
