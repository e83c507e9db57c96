/**
 * The consent log is proof: the database itself refuses to change a record, and refuses to
 * delete the records of anybody who ever confirmed. Real SQLite file, real migrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, transaction, type Database_ } from '../../db/client.js';
import * as reference from '../../db/queries/reference.js';
import * as subscribers from '../../db/queries/subscribers.js';
import { CONSENT_TEXT_VERSION } from '../../db/seed.js';

let dir: string;
let database: Database_;

const profile = {
  name: 'Erika',
  regionKey: '15085',
  roleKeys: ['volunteer'],
  topicKeys: [],
  language: 'de',
  trackingConsent: false,
};

function signUp(email: string) {
  return transaction(database.db, (tx) => {
    const outcome = subscribers.signUp(
      {
        email,
        emailHash: `hash-of-${email}`,
        profile,
        listIds: [reference.defaultList(tx).id],
        consentTextVersion: CONSENT_TEXT_VERSION,
        consentLanguage: 'de',
        meta: { ip: '203.0.113.1', channel: 'web-form', source: 'test' },
        cooldownMs: 600_000,
      },
      tx,
    );
    return outcome.subscriber;
  });
}

function signUpAndConfirm(email: string) {
  const subscriber = signUp(email);
  transaction(database.db, (tx) => {
    subscribers.createToken(subscriber.id, 'confirm', `token-${email}`, Date.now() + 60_000, tx);
    const confirmed = subscribers.confirm(
      {
        tokenHash: `token-${email}`,
        emailHash: (e) => `hash-of-${e}`,
        meta: { ip: '198.51.100.1' },
      },
      tx,
    );
    expect(confirmed?.status).toBe('confirmed');
  });
  return subscriber;
}

const events = (id: number) =>
  database.sqlite
    .prepare('SELECT id, kind, ip FROM consent_events WHERE subscriber_id = ? ORDER BY id')
    .all(id) as { id: number; kind: string; ip: string | null }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-test-consent-'));
  database = openDatabase(join(dir, 'landpost.sqlite'));
  migrateDatabase(database);
});

afterAll(() => {
  database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('consent_events is append-only', () => {
  it('refuses an UPDATE of any record, confirmed or not', () => {
    const confirmed = signUpAndConfirm('update.confirmed@example.org');
    const pending = signUp('update.pending@example.org');
    for (const id of [confirmed.id, pending.id]) {
      const first = events(id)[0]!;
      expect(() =>
        database.sqlite
          .prepare("UPDATE consent_events SET ip = '0.0.0.0' WHERE id = ?")
          .run(first.id),
      ).toThrow(/append-only/);
      expect(events(id)[0]).toEqual(first);
    }
    expect(() =>
      database.sqlite.prepare("UPDATE consent_events SET kind = 'erased'").run(),
    ).toThrow(/append-only/);
  });

  it('refuses to DELETE the records of a person who confirmed — any of them', () => {
    const person = signUpAndConfirm('delete.confirmed@example.org');
    const before = events(person.id);
    expect(before.map((e) => e.kind)).toEqual(['signup', 'confirmed']);
    expect(() =>
      database.sqlite.prepare('DELETE FROM consent_events WHERE subscriber_id = ?').run(person.id),
    ).toThrow(/kept as proof/);
    // Also the sign-up record alone (it carries the IP and consent text version).
    expect(() =>
      database.sqlite.prepare('DELETE FROM consent_events WHERE id = ?').run(before[0]!.id),
    ).toThrow(/kept as proof/);
    expect(events(person.id)).toEqual(before);
  });

  it('the proof survives erasure of the subscriber row', () => {
    const person = signUpAndConfirm('erased.confirmed@example.org');
    transaction(database.db, (tx) =>
      subscribers.erase({ subscriberId: person.id, emailHash: 'hash-of-erased', meta: {} }, tx),
    );
    expect(subscribers.findById(person.id, database.db)).toBeUndefined();
    expect(events(person.id).map((e) => e.kind)).toEqual(['signup', 'confirmed', 'erased']);
    expect(() =>
      database.sqlite.prepare('DELETE FROM consent_events WHERE subscriber_id = ?').run(person.id),
    ).toThrow(/kept as proof/);
  });

  it('lets the records of a never-confirmed sign-up go (retention purge)', () => {
    const pending = signUp('delete.pending@example.org');
    expect(events(pending.id)).toHaveLength(1);
    database.sqlite.prepare('DELETE FROM consent_events WHERE subscriber_id = ?').run(pending.id);
    expect(events(pending.id)).toEqual([]);
  });

  it('a purge of unconfirmed sign-ups is not blocked by confirmed people in the log', () => {
    const confirmed = signUpAndConfirm('purge.confirmed@example.org');
    const stale = signUp('purge.stale@example.org');
    database.sqlite
      .prepare('UPDATE subscribers SET created_at = ? WHERE id IN (?, ?)')
      .run(Date.now() - 30 * 86_400_000, confirmed.id, stale.id);
    const purged = transaction(database.db, (tx) =>
      subscribers.purgeUnconfirmed(Date.now() - 7 * 86_400_000, tx),
    );
    expect(purged).toBe(1);
    expect(events(stale.id)).toEqual([]);
    expect(events(confirmed.id).map((e) => e.kind)).toEqual(['signup', 'confirmed']);
  });

  // PRODUCT BUG (db/migrations/0001_consent_log_append_only.sql): SQLite's REPLACE conflict
  // resolution deletes the old row without firing DELETE triggers (recursive_triggers is off),
  // so INSERT OR REPLACE with an existing id overwrites a consent record silently.
  it('refuses to overwrite a record with INSERT OR REPLACE', () => {
    const person = signUpAndConfirm('replace.confirmed@example.org');
    const signupEvent = events(person.id)[0]!;
    expect(() =>
      database.sqlite
        .prepare(
          "INSERT OR REPLACE INTO consent_events (id, subscriber_id, email_hash, kind, ip) VALUES (?, ?, 'x', 'signup', '0.0.0.0')",
        )
        .run(signupEvent.id, person.id),
    ).toThrow();
    expect(events(person.id)[0]).toEqual(signupEvent);
  });
});

describe('migrations', () => {
  it('can run again on a migrated database without changing anything', () => {
    const count = () =>
      (database.sqlite.prepare('SELECT count(*) AS n FROM regions').get() as { n: number }).n;
    const regions = count();
    expect(regions).toBeGreaterThan(0);
    migrateDatabase(database);
    expect(count()).toBe(regions);
    const triggers = database.sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'consent%' ORDER BY name",
      )
      .all() as { name: string }[];
    expect(triggers.map((t) => t.name)).toEqual([
      'consent_events_keep_proof',
      'consent_events_no_replace',
      'consent_events_no_update',
      'consent_texts_no_delete',
      'consent_texts_no_replace',
      'consent_texts_no_update',
    ]);
  });
});

describe('subscriber search index', () => {
  it('follows inserts, renames and erasure', () => {
    const find = (q: string) =>
      (
        database.sqlite
          .prepare(
            'SELECT s.email FROM subscribers_search f JOIN subscribers s ON s.id = f.rowid WHERE subscribers_search MATCH ? ORDER BY s.email',
          )
          .all(`"${q}"`) as { email: string }[]
      ).map((r) => r.email);
    const person = signUp('searchable.person@example.org');
    expect(find('searchable')).toEqual(['searchable.person@example.org']);
    database.sqlite
      .prepare('UPDATE subscribers SET name = ? WHERE id = ?')
      .run('Zeynep Yılmaz', person.id);
    expect(find('Yılmaz')).toEqual(['searchable.person@example.org']);
    database.sqlite.prepare('DELETE FROM subscribers WHERE id = ?').run(person.id);
    expect(find('searchable')).toEqual([]);
    expect(find('Yılmaz')).toEqual([]);
  });
});
