/**
 * The admin subscriber list with 100,000 subscribers: first page, a region + role filter, a
 * name search and the count of the filter, against a primary-key lookup measured in the same
 * run. Prints ms per operation and the ratio; never fails on timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { migrateDatabase, openDatabase } from '../../db/client.js';
import { countWhere, filterWhere, type SubscriberFilter } from '../../db/queries/filters.js';
import { listSubscribers } from '../../db/queries/subscriber-admin.js';
import { findById } from '../../db/queries/subscribers.js';
import { subscribers } from '../../db/schema.js';

const TOTAL = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'lp-bench-subscribers-'));
const database = openDatabase(join(dir, 'bench.db'));
migrateDatabase(database);
const { db, sqlite } = database;

const REGIONS = [
  ...['15001', '15002', '15003'],
  ...['15081', '15082', '15083', '15084', '15085', '15086', '15087', '15088', '15089', '15090'],
  ...['15091', 'overregional', 'outside'],
];
const ROLES = ['volunteer', 'staff', 'welcome-initiative', 'association', 'municipality', 'other'];
const TOPICS = ['counselling', 'funding', 'contacts', 'training', 'networking', 'support'];
const FIRST = ['Anna', 'Ben', 'Clara', 'Deniz', 'Emil', 'Fatma', 'Greta', 'Hassan', 'Ida', 'Jonas'];
const LAST = ['Müller', 'Schmidt', 'Schulz', 'Yilmaz', 'Kowalski', 'Becker', 'Wagner', 'Hoffmann'];
const STATUSES = ['confirmed', 'confirmed', 'confirmed', 'unconfirmed', 'unsubscribed', 'blocked'];

/** Seed with plain prepared statements in one transaction: a few seconds for 100,000. */
function seed(): void {
  let rng = 42;
  const rand = (n: number) => {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    return rng % n;
  };
  const listId = (
    sqlite.prepare('select id from lists order by id limit 1').get() as { id: number }
  ).id;
  const insertSubscriber = sqlite.prepare(
    `insert into subscribers (id, email, name, region_key, language, status, created_at, confirmed_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertRole = sqlite.prepare(
    'insert or ignore into subscriber_roles (subscriber_id, role_key) values (?, ?)',
  );
  const insertTopic = sqlite.prepare(
    'insert or ignore into subscriber_topics (subscriber_id, topic_key) values (?, ?)',
  );
  const insertSubscription = sqlite.prepare(
    'insert into subscriptions (subscriber_id, list_id, status, created_at) values (?, ?, ?, ?)',
  );
  const start = Date.UTC(2023, 0, 1);
  sqlite.transaction(() => {
    for (let id = 1; id <= TOTAL; id++) {
      const status = STATUSES[rand(STATUSES.length)]!;
      const created = start + id * 900_000 + rand(600_000);
      const confirmed = status === 'confirmed' ? created + 60_000 + rand(86_400_000) : null;
      const first = FIRST[rand(FIRST.length)]!;
      const last = LAST[rand(LAST.length)]!;
      insertSubscriber.run(
        id,
        `${first}.${last}.${id}@example.org`.toLowerCase(),
        `${first} ${last}`,
        REGIONS[rand(REGIONS.length)]!,
        rand(10) === 0 ? 'en' : 'de',
        status,
        created,
        confirmed,
        created,
      );
      insertRole.run(id, ROLES[rand(ROLES.length)]);
      if (rand(3) === 0) insertRole.run(id, ROLES[rand(ROLES.length)]);
      insertTopic.run(id, TOPICS[rand(TOPICS.length)]);
      insertTopic.run(id, TOPICS[rand(TOPICS.length)]);
      insertSubscription.run(
        id,
        listId,
        status === 'confirmed'
          ? 'confirmed'
          : status === 'unsubscribed'
            ? 'unsubscribed'
            : 'unconfirmed',
        created,
      );
    }
  })();
  sqlite.exec('analyze');
}

const seedStart = performance.now();
seed();
const seedMs = performance.now() - seedStart;

const harzVolunteers: SubscriberFilter = { regions: ['15085'], roles: ['volunteer'] };
const search: SubscriberFilter = { q: 'yilmaz' };
const page = (filter: SubscriberFilter) =>
  listSubscribers({ filter, sort: 'created', direction: 'desc', limit: 50 }, db);

const cases: [string, () => unknown][] = [
  ['baseline: primary-key lookup', () => findById(4711, db)],
  ['first page, unfiltered', () => page({})],
  ['first page, region Harz + role volunteer', () => page(harzVolunteers)],
  ['first page, search "yilmaz"', () => page(search)],
  ['count, unfiltered', () => countWhere(undefined, db)],
  ['count, region Harz + role volunteer', () => countWhere(filterWhere(harzVolunteers), db)],
  ['count, search "yilmaz"', () => countWhere(filterWhere(search), db)],
  [
    'page 2, sorted by e-mail',
    () => {
      const first = listSubscribers({ filter: {}, sort: 'email', direction: 'asc', limit: 50 }, db);
      return listSubscribers(
        { filter: {}, sort: 'email', direction: 'asc', after: first.next, limit: 50 },
        db,
      );
    },
  ],
  [
    'first page, sorted by confirmed',
    () => listSubscribers({ filter: {}, sort: 'confirmed', direction: 'desc', limit: 50 }, db),
  ],
];

/** Median ms per call over a fixed number of runs (after a warm-up). */
function median(fn: () => unknown, runs = 30): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

// The summary is measured before the bench cases run: vitest's bench mode runs no afterAll.
const baseline = median(cases[0]![1], 200);
process.stderr.write(
  [
    `seeded ${TOTAL} subscribers in ${seedMs.toFixed(0)} ms`,
    'median per operation (ratio against the primary-key lookup):',
    ...cases.map(([name, fn]) => {
      const ms = name.startsWith('baseline') ? baseline : median(fn);
      return `  ${name.padEnd(45)} ${ms.toFixed(3).padStart(9)} ms  x${(ms / baseline).toFixed(0)}`;
    }),
    `plan, first page: ${plan({})}`,
    `plan, Harz + volunteer: ${plan(harzVolunteers)}`,
    `plan, search: ${plan(search)}`,
    '',
  ].join('\n'),
);
process.once('exit', () => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`admin subscriber list, ${TOTAL} subscribers`, () => {
  for (const [name, fn] of cases)
    bench(
      name,
      () => {
        fn();
      },
      { iterations: 20, time: 200 },
    );
});

/** EXPLAIN QUERY PLAN of a first page (sorted by creation), to see which index it uses. */
function plan(filter: SubscriberFilter): string {
  const query = db
    .select({ id: subscribers.id })
    .from(subscribers)
    .where(filterWhere(filter))
    .toSQL();
  return (
    sqlite
      .prepare(`explain query plan ${query.sql} order by created_at desc, id desc limit 51`)
      .all(...query.params) as { detail: string }[]
  )
    .map((r) => r.detail)
    .join(' | ');
}
