/**
 * Registrations on a real SQLite file and the run's redis-server: the one validator, places and
 * the waiting list, moving up on cancellation, a second registration answered like the first,
 * the source of a registration, and two processes taking the last place at the same moment.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database_ } from '../../../../db/client.js';
import { Secrets } from '../../../../server/infra/security.js';
import type { Actor } from '../../../../server/services/context.js';
import type { Event } from '../../../../server/services/events/index.js';
import { createServices, type Services } from '../../../../server/services/index.js';
import { validateRegistration } from '../../../../server/services/registrations/index.js';
import {
  DIRECT_SOURCE,
  attributionToken,
  readSource,
} from '../../../../server/services/sources/index.js';
import { createQueues, type Queues } from '../../../../workers/queues.js';
import { testConfig, type TestConfig } from '../../../helpers/env.js';

let config: TestConfig;
let database: Database_;
let queues: Queues;
let services: Services;
let secrets: Secrets;
let editor: Actor;
const quiet = { info() {}, warn() {}, error() {} };
const sql = <T>(query: string, ...params: unknown[]) =>
  database.sqlite.prepare(query).all(...params) as T[];

const DAY = 86_400_000;
let n = 0;
function event(fields: Record<string, unknown> = {}): Event {
  const saved = services.events.create(
    {
      type: 'training',
      title: `Schulung ${++n}`,
      startsAt: new Date(Date.now() + 10 * DAY).toISOString(),
      place: 'Dorfgemeinschaftshaus',
      capacity: 2,
      ...fields,
    },
    editor,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
  return saved.event;
}

const person = (email: string, extra: Record<string, string> = {}) => ({
  draft: { name: `Person ${email}`, email, ...extra },
  source: DIRECT_SOURCE,
  language: 'de',
});

const outboxOf = (registrationId: number) =>
  sql<{ name: string }>(
    'select name from mail_outbox where registration_id = ? order by id',
    registrationId,
  ).map((r) => r.name);

beforeAll(() => {
  config = testConfig();
  database = openDatabase(config.databaseFile);
  migrateDatabase(database);
  queues = createQueues(config.redisUrl!, config.queuePrefix, () => {});
  secrets = new Secrets(config.secretKey);
  services = createServices({ db: database.db, config, secrets, queues, log: quiet });
  const userId = Number(
    database.sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  editor = { kind: 'user', userId, email: 'editor@example.org' };
});

afterAll(async () => {
  await queues?.close();
  database?.close();
  config?.cleanup();
});

describe('validateRegistration', () => {
  const known = (kind: 'regions' | 'roles', key: string) =>
    kind === 'regions' ? key === '15085' : key === 'volunteer';

  it('takes a complete registration and trims it', () => {
    const { values, errors } = validateRegistration(
      {
        name: '  Olena Koval ',
        email: ' olena@example.org ',
        organisation: 'Heimatverein',
        role: 'volunteer',
        region: '15085',
        accessibilityNeeds: 'Rollstuhl,\r\nbarrierefreier Zugang',
        interpreter: 'Ukrainisch',
      },
      known,
    );
    expect(errors).toEqual({});
    expect(values).toMatchObject({
      name: 'Olena Koval',
      email: 'olena@example.org',
      accessibilityNeeds: 'Rollstuhl, barrierefreier Zugang',
    });
  });

  it('names each wrong field', () => {
    const { errors } = validateRegistration(
      {
        name: '',
        email: 'not-an-address',
        organisation: '<b>x</b>',
        role: 'astronaut',
        region: 'atlantis',
        accessibilityNeeds: 'x'.repeat(501),
        interpreter: 'a\u0000b',
      },
      known,
    );
    expect(errors).toEqual({
      name: 'registration.errors.name',
      email: 'signup.errors.email',
      organisation: 'registration.errors.organisation',
      role: 'registration.errors.role',
      region: 'registration.errors.region',
      accessibilityNeeds: 'registration.errors.accessibilityNeeds',
      interpreter: 'registration.errors.interpreter',
    });
  });
});

describe('register', () => {
  it('gives places while there are some, then the waiting list', async () => {
    const e = event({ capacity: 2 });
    const a = await services.registrations.register(e.id, person('a@example.org'));
    const b = await services.registrations.register(e.id, person('B@Example.org'));
    const c = await services.registrations.register(e.id, person('c@example.org'));
    expect([a.kind, b.kind, c.kind]).toEqual(['registered', 'registered', 'waiting']);
    expect(services.registrations.counts(e.id)).toEqual({
      registered: 2,
      waiting: 1,
      cancelled: 0,
    });
    expect(services.registrations.placesLeft(e)).toBe(0);
    const rows = sql<{ email: string; status: string }>(
      'select email, status from event_registrations where event_id = ? order by id',
      e.id,
    );
    expect(rows.map((r) => r.email)).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
    if (a.kind !== 'registered' || c.kind !== 'waiting') throw new Error('unexpected');
    expect(outboxOf(a.registration.id)).toEqual(['registration-confirmed']);
    expect(outboxOf(c.registration.id)).toEqual(['registration-waiting']);
  });

  it('answers a second registration of the same address like the first, without a second row or mail', async () => {
    const e = event({ capacity: 1 });
    await services.registrations.register(e.id, person('first@example.org'));
    const waiting = await services.registrations.register(e.id, person('again@example.org'));
    const again = await services.registrations.register(e.id, person('AGAIN@example.org'));
    expect(waiting.kind).toBe('waiting');
    expect(again).toMatchObject({ kind: 'waiting', again: true });
    const rows = sql<{ id: number }>(
      "select id from event_registrations where event_id = ? and email = 'again@example.org'",
      e.id,
    );
    expect(rows).toHaveLength(1);
    expect(outboxOf(rows[0]!.id)).toEqual(['registration-waiting']);
  });

  it('refuses after the deadline and for events that began', async () => {
    const closed = event({
      registrationDeadline: new Date(Date.now() - DAY).toISOString(),
    });
    expect(await services.registrations.register(closed.id, person('late@example.org'))).toEqual({
      kind: 'closed',
      reason: 'deadline',
    });
    const past = event({ startsAt: new Date(Date.now() - DAY).toISOString() });
    expect(await services.registrations.register(past.id, person('late@example.org'))).toEqual({
      kind: 'closed',
      reason: 'past',
    });
    expect(
      sql('select id from event_registrations where event_id in (?, ?)', closed.id, past.id),
    ).toEqual([]);
  });

  it('refuses invalid fields and stores nothing', async () => {
    const e = event();
    const outcome = await services.registrations.register(e.id, person('bad'));
    expect(outcome).toMatchObject({ kind: 'invalid', errors: { email: 'signup.errors.email' } });
    expect(sql('select id from event_registrations where event_id = ?', e.id)).toEqual([]);
  });

  it('stores the source, and the reader only when the source names them', async () => {
    const e = event({ capacity: null });
    const editionId = Number(
      database.sqlite
        .prepare(
          "insert into editions (number, title, subject, slug, sections, translations) values (901, 'Ausgabe', 'Betreff', '901-ausgabe', '[]', '{}')",
        )
        .run().lastInsertRowid,
    );
    const campaignId = Number(
      database.sqlite
        .prepare("insert into campaigns (edition_id, segment_ids, list_ids) values (?, '[]', '[]')")
        .run(editionId).lastInsertRowid,
    );
    const ed = String(editionId);
    const cp = String(campaignId);
    const anonymous = await services.registrations.register(e.id, {
      ...person('edition@example.org'),
      source: readSource(secrets, { ed, cp }),
    });
    const subscriberId = Number(
      database.sqlite
        .prepare(
          "insert into subscribers (email, status) values ('reader@example.org', 'confirmed')",
        )
        .run().lastInsertRowid,
    );
    const who = attributionToken(secrets, subscriberId);
    const named = await services.registrations.register(e.id, {
      ...person('reader@example.org'),
      source: readSource(secrets, { ed, cp, who }),
    });
    // A link in an old mail may name an edition that is gone: the registration still counts.
    const stale = await services.registrations.register(e.id, {
      ...person('stale@example.org'),
      source: readSource(secrets, { ed: '99999', cp: '99999' }),
    });
    expect(stale.kind).toBe('registered');
    expect(anonymous.kind).toBe('registered');
    expect(named.kind).toBe('registered');
    const rows = sql<Record<string, unknown>>(
      'select email, source_kind, source_edition_id, source_campaign_id, subscriber_id from event_registrations where event_id = ? order by id',
      e.id,
    );
    expect(rows).toEqual([
      {
        email: 'edition@example.org',
        source_kind: 'edition',
        source_edition_id: editionId,
        source_campaign_id: campaignId,
        subscriber_id: null,
      },
      {
        email: 'reader@example.org',
        source_kind: 'edition',
        source_edition_id: editionId,
        source_campaign_id: campaignId,
        subscriber_id: subscriberId,
      },
      {
        email: 'stale@example.org',
        source_kind: 'edition',
        source_edition_id: null,
        source_campaign_id: null,
        subscriber_id: null,
      },
    ]);
  });

  it('signs up for the newsletter with the event as its source when asked', async () => {
    const e = event();
    await services.registrations.register(e.id, {
      ...person('news@example.org', { region: '15085' }),
      newsletter: { formLanguage: 'de', meta: { channel: 'event-form' } },
    });
    const [subscriber] = sql<Record<string, unknown>>(
      "select id, status, source_kind, source_event_id, region_key from subscribers where email = 'news@example.org'",
    );
    expect(subscriber).toMatchObject({
      status: 'unconfirmed',
      source_kind: 'event',
      source_event_id: e.id,
      region_key: '15085',
    });
    expect(
      sql<{ name: string }>(
        'select name from mail_outbox where subscriber_id = ?',
        subscriber!.id,
      ).map((r) => r.name),
    ).toEqual(['confirmation']);
  });
});

describe('cancel', () => {
  it('moves the first person of the waiting list up, with a mail', async () => {
    const e = event({ capacity: 1 });
    const a = await services.registrations.register(e.id, person('one@example.org'));
    const b = await services.registrations.register(e.id, person('two@example.org'));
    const c = await services.registrations.register(e.id, person('three@example.org'));
    if (a.kind !== 'registered' || b.kind !== 'waiting' || c.kind !== 'waiting')
      throw new Error('unexpected');
    expect(await services.registrations.cancel(a.registration.id, editor)).toBe(true);
    const rows = sql<{ email: string; status: string; promoted_at: number | null }>(
      'select email, status, promoted_at from event_registrations where event_id = ? order by id',
      e.id,
    );
    expect(rows.map((r) => [r.email, r.status])).toEqual([
      ['one@example.org', 'cancelled'],
      ['two@example.org', 'registered'],
      ['three@example.org', 'waiting'],
    ]);
    expect(rows[1]!.promoted_at).toBeGreaterThan(0);
    expect(outboxOf(b.registration.id)).toEqual(['registration-waiting', 'registration-promoted']);
    // Cancelling twice changes nothing; a waiting person leaving frees no place.
    expect(await services.registrations.cancel(a.registration.id, editor)).toBe(false);
    expect(await services.registrations.cancel(c.registration.id, editor)).toBe(true);
    expect(services.registrations.counts(e.id)).toEqual({
      registered: 1,
      waiting: 0,
      cancelled: 2,
    });
  });

  it('lets a cancelled person register again, in the same row', async () => {
    const e = event({ capacity: 5 });
    const first = await services.registrations.register(e.id, person('back@example.org'));
    if (first.kind !== 'registered') throw new Error('unexpected');
    await services.registrations.cancel(first.registration.id, editor);
    const again = await services.registrations.register(e.id, person('back@example.org'));
    expect(again).toMatchObject({ kind: 'registered', again: false });
    if (again.kind !== 'registered') throw new Error('unexpected');
    expect(again.registration.id).toBe(first.registration.id);
    expect(again.registration.cancelledAt).toBeNull();
    expect(outboxOf(first.registration.id)).toEqual([
      'registration-confirmed',
      'registration-confirmed',
    ]);
  });

  it('reads a cancellation link it signed, and nothing else', async () => {
    const e = event();
    const r = await services.registrations.register(e.id, person('link@example.org'));
    if (r.kind !== 'registered') throw new Error('unexpected');
    const token = services.registrations.cancelToken(r.registration.id);
    expect(services.registrations.byCancelToken(token)?.id).toBe(r.registration.id);
    expect(services.registrations.byCancelToken(token.slice(0, -2) + 'xx')).toBeUndefined();
    expect(
      services.registrations.byCancelToken(
        secrets.sign('preferences', { s: r.registration.id, e: 2e9 }),
      ),
    ).toBeUndefined();
  });
});

describe('list', () => {
  it('pages by id without gaps or repeats', async () => {
    const e = event({ capacity: null });
    for (let i = 0; i < 5; i++)
      await services.registrations.register(e.id, person(`page${i}@example.org`));
    const first = services.registrations.list(e.id, { limit: 2 })!;
    const second = services.registrations.list(e.id, { limit: 2, after: first.next! })!;
    const third = services.registrations.list(e.id, { limit: 2, after: second.next! })!;
    expect([...first.items, ...second.items, ...third.items].map((r) => r.email)).toEqual([
      'page0@example.org',
      'page1@example.org',
      'page2@example.org',
      'page3@example.org',
      'page4@example.org',
    ]);
    expect(third.next).toBeNull();
    expect(services.registrations.list(e.id, { after: 'x' })).toBeUndefined();
  });
});

describe('reminders', () => {
  it('owes each registered person of tomorrow’s events one reminder (Berlin days)', async () => {
    // 2026-03-10 20:00 Berlin; the event starts 2026-03-11 09:00 Berlin.
    const now = Date.UTC(2026, 2, 10, 19, 0);
    const tomorrow = event({ startsAt: '2026-03-11T09:00', capacity: 1 });
    const later = event({ startsAt: '2026-03-12T00:30', capacity: null });
    const at = now - DAY;
    const r1 = await services.registrations.register(tomorrow.id, person('rem1@example.org'), at);
    const r2 = await services.registrations.register(tomorrow.id, person('rem2@example.org'), at);
    const r3 = await services.registrations.register(later.id, person('rem3@example.org'), at);
    if (r1.kind !== 'registered' || r2.kind !== 'waiting' || r3.kind !== 'registered')
      throw new Error('unexpected');
    expect(await services.registrations.sendReminders(now)).toBe(1);
    expect(await services.registrations.sendReminders(now + 3_600_000)).toBe(0);
    expect(outboxOf(r1.registration.id)).toEqual([
      'registration-confirmed',
      'registration-reminder',
    ]);
    expect(outboxOf(r2.registration.id)).toEqual(['registration-waiting']);
    expect(outboxOf(r3.registration.id)).toEqual(['registration-confirmed']);
  });
});

describe('two people taking the last place at the same moment', () => {
  it('gives it to one of them; the other waits', async () => {
    const ids = Array.from({ length: 8 }, () => event({ capacity: 1 }).id);
    // Two processes load, say they are ready, and are let go at the same moment.
    const children = ['race-a@example.org', 'race-b@example.org'].map((email) =>
      spawn(process.execPath, ['--import', 'tsx', 'test/server/services/registrations/_race.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          DATA_DIR: config.dataDir,
          REDIS_URL: config.redisUrl,
          QUEUE_PREFIX: config.queuePrefix,
          SECRET_KEY: config.secretKey,
          PUBLIC_URL: config.publicUrl,
          RACE: JSON.stringify({ eventIds: ids, email }),
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const lines = children.map((child) => {
      const received: string[] = [];
      let buffer = '';
      const waiters: (() => void)[] = [];
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        received.push(...parts);
        waiters.splice(0).forEach((w) => w());
      });
      return async (index: number) => {
        while (received.length <= index) await new Promise<void>((r) => waiters.push(r));
        return received[index]!;
      };
    });
    expect(await Promise.all(lines.map((line) => line(0)))).toEqual(['ready', 'ready']);
    for (const child of children) child.stdin.write('go\n');
    const [a = [], b = []] = (await Promise.all(lines.map((line) => line(1)))).map(
      (l) => JSON.parse(l) as string[],
    );
    expect([...a, ...b].filter((k) => k !== 'registered' && k !== 'waiting')).toEqual([]);
    for (const id of ids)
      expect(services.registrations.counts(id)).toEqual({
        registered: 1,
        waiting: 1,
        cancelled: 0,
      });
  });
});
