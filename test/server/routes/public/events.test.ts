/**
 * An event's public page as a person uses it: the event in their language with Berlin times,
 * places left, the form with its errors next to the fields, the trap field and the signed form
 * token, the source carried through the form, the newsletter sign-up, and cancelling by link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import type { Event } from '../../../../server/services/events/index.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { FORM, HTML, formBody, rows } from '../_flow.js';

let t: TestApp;
let editor: Actor;
let n = 0;

function event(fields: Record<string, unknown> = {}): Event {
  const saved = t.app.services.events.create(
    {
      type: 'training',
      title: `Fördermittel kompakt ${++n}`,
      startsAt: '2031-05-06T10:00',
      endsAt: '2031-05-06T16:00',
      place: 'Dorfgemeinschaftshaus Hasselfelde',
      capacity: 1,
      description: 'Wer **Fördermittel** beantragen will: [Programm](https://example.org/p).',
      ...fields,
    },
    editor,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
  return saved.event;
}

const hiddenFields = (html: string) =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1]!,
      m[2]!.replace(/&amp;/g, '&'),
    ]),
  );

async function register(
  e: Event,
  fields: Record<string, string>,
  query = '',
): Promise<{ statusCode: number; body: string }> {
  const page = await t.app.inject({
    method: 'GET',
    url: `/events/${e.slug}${query}`,
    headers: HTML,
  });
  expect(page.statusCode).toBe(200);
  return t.app.inject({
    method: 'POST',
    url: `/events/${e.slug}`,
    headers: FORM,
    payload: formBody({ ...hiddenFields(page.body), website: '', ...fields }),
  });
}

const registration = (email: string) =>
  rows(t, 'select * from event_registrations where email = ?', email)[0];

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  const userId = Number(
    t.runtime.database.sqlite
      .prepare("insert into users (email, password_hash) values ('editor@example.org', 'x')")
      .run().lastInsertRowid,
  );
  editor = { kind: 'user', userId, email: 'editor@example.org' };
});

afterAll(async () => {
  await t?.close();
});

describe('GET /events/:slug', () => {
  it('shows the event with Berlin time, place, description and places left', async () => {
    const e = event({ capacity: 3 });
    const page = await t.app.inject({ method: 'GET', url: `/events/${e.slug}`, headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<h1 lang="de" dir="auto">${e.title}</h1>`);
    expect(page.body).toContain('Dienstag, 6. Mai 2031, 10:00–16:00');
    expect(page.body).toContain('Dorfgemeinschaftshaus Hasselfelde');
    expect(page.body).toContain(
      '<strong>Fördermittel</strong> beantragen will: <a href="https://example.org/p">Programm</a>',
    );
    expect(page.body).toContain('Noch 3 Plätze frei');
    expect(page.body).toMatch(/<label for="name">Name/);
    expect(page.body).toContain('name="website"');
  });

  it('speaks the chosen language, Arabic right to left', async () => {
    const e = event();
    const page = await t.app.inject({
      method: 'GET',
      url: `/events/${e.slug}?lang=ar`,
      headers: HTML,
    });
    expect(page.body).toContain('<html lang="ar" dir="rtl">');
    expect(page.body).toContain('<div class="event-description" lang="de" dir="ltr">');
    expect(page.body).toContain('التسجيل');
    const en = await t.app.inject({
      method: 'GET',
      url: `/events/${e.slug}?lang=en`,
      headers: HTML,
    });
    expect(en.body).toContain('Tuesday, 6 May 2031, 10:00–16:00');
  });

  it('says when the event is full, and offers the waiting list', async () => {
    const e = event({ capacity: 1 });
    await register(e, { name: 'Erste', email: 'full-first@example.org' });
    const page = await t.app.inject({ method: 'GET', url: `/events/${e.slug}`, headers: HTML });
    expect(page.body).toContain('Ausgebucht – Anmeldung auf die Warteliste');
    expect(page.body).toContain('Auf die Warteliste setzen');
  });

  it('answers an unknown event with 404', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/events/no-such-event', headers: HTML });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Veranstaltung nicht gefunden');
  });

  it('takes no registrations after the deadline', async () => {
    const e = event({ registrationDeadline: '2020-01-01T10:00' });
    const page = await t.app.inject({ method: 'GET', url: `/events/${e.slug}`, headers: HTML });
    expect(page.body).toContain('Die Anmeldefrist ist abgelaufen.');
    expect(page.body).not.toContain('<form method="post"');
  });
});

describe('POST /events/:slug', () => {
  it('registers, then puts the next person on the waiting list', async () => {
    const e = event({ capacity: 1 });
    const first = await register(e, {
      name: 'Olena Koval',
      email: 'Olena@Example.org',
      organisation: 'Heimatverein Elend',
      role: 'volunteer',
      region: '15085',
      accessibilityNeeds: 'stufenloser Zugang',
      interpreter: 'Ukrainisch',
    });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('role="status"');
    expect(first.body).toContain('Sie sind angemeldet');
    expect(registration('olena@example.org')).toMatchObject({
      event_id: e.id,
      status: 'registered',
      name: 'Olena Koval',
      organisation: 'Heimatverein Elend',
      role_key: 'volunteer',
      region_key: '15085',
      accessibility_needs: 'stufenloser Zugang',
      interpreter: 'Ukrainisch',
      language: 'de',
      source_kind: 'direct',
    });
    const second = await register(e, { name: 'Zweite', email: 'second@example.org' }, '?lang=uk');
    expect(second.body).toContain('Ви у списку очікування');
    expect(registration('second@example.org')).toMatchObject({ status: 'waiting', language: 'uk' });
  });

  it('shows errors next to the fields and in a summary, and keeps what was typed', async () => {
    const e = event();
    const res = await register(e, { name: '', email: 'kein-at', organisation: 'Verein <b>' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('class="error-summary" role="alert"');
    expect(res.body).toContain('<a href="#name">Bitte geben Sie Ihren Namen an');
    expect(res.body).toMatch(
      /id="email"[^>]*value="kein-at" aria-invalid="true" aria-describedby="email-error"/,
    );
    expect(res.body).toContain('id="email-error"');
    expect(res.body).toContain('id="organisation-error"');
    expect(rows(t, 'select id from event_registrations where event_id = ?', e.id)).toEqual([]);
  });

  it('carries a newsletter link’s source through the form into the row', async () => {
    const e = event({ capacity: null });
    const editionId = Number(
      t.runtime.database.sqlite
        .prepare(
          "insert into editions (number, title, subject, slug, sections, translations) values (77, 'Ausgabe 77', 'Betreff', '77-ausgabe', '[]', '{}')",
        )
        .run().lastInsertRowid,
    );
    const campaignId = Number(
      t.runtime.database.sqlite
        .prepare("insert into campaigns (edition_id, segment_ids, list_ids) values (?, '[]', '[]')")
        .run(editionId).lastInsertRowid,
    );
    const page = await t.app.inject({
      method: 'GET',
      url: `/events/${e.slug}?ed=${editionId}&cp=${campaignId}`,
      headers: HTML,
    });
    expect(hiddenFields(page.body)).toMatchObject({
      ed: String(editionId),
      cp: String(campaignId),
    });
    await register(
      e,
      { name: 'Aus dem Newsletter', email: 'from-edition@example.org' },
      `?ed=${editionId}&cp=${campaignId}`,
    );
    expect(registration('from-edition@example.org')).toMatchObject({
      source_kind: 'edition',
      source_edition_id: editionId,
      source_campaign_id: campaignId,
      subscriber_id: null,
    });
  });

  it('signs up for the newsletter only when the box is ticked', async () => {
    const e = event({ capacity: null });
    await register(e, { name: 'Ohne', email: 'no-news@example.org' });
    await register(e, {
      name: 'Mit',
      email: 'news@example.org',
      region: '15085',
      newsletter: 'yes',
    });
    expect(rows(t, "select id from subscribers where email = 'no-news@example.org'")).toEqual([]);
    expect(
      rows(
        t,
        "select status, source_kind, source_event_id from subscribers where email = 'news@example.org'",
      ),
    ).toEqual([{ status: 'unconfirmed', source_kind: 'event', source_event_id: e.id }]);
    const mail = await t.smtp.waitFor((m) => m.to.includes('news@example.org'));
    expect(mail.text).toContain('/confirm/');
  });

  it('stores nothing when the trap field is filled, or the form token is forged or used', async () => {
    const e = event({ capacity: null });
    const bot = await register(e, {
      name: 'Bot',
      email: 'bot@example.org',
      website: 'http://spam',
    });
    expect(bot.statusCode).toBe(200);
    expect(registration('bot@example.org')).toBeUndefined();

    const forged = await register(e, { name: 'F', email: 'forged@example.org', startedAt: 'x.y' });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('Das ging sehr schnell');
    expect(registration('forged@example.org')).toBeUndefined();

    const page = await t.app.inject({ method: 'GET', url: `/events/${e.slug}`, headers: HTML });
    const payload = formBody({
      ...hiddenFields(page.body),
      name: 'Zweimal',
      email: 'twice@example.org',
    });
    const once = await t.app.inject({
      method: 'POST',
      url: `/events/${e.slug}`,
      headers: FORM,
      payload,
    });
    expect(once.statusCode).toBe(200);
    const again = await t.app.inject({
      method: 'POST',
      url: `/events/${e.slug}`,
      headers: FORM,
      payload,
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Dieses Formular wurde schon abgeschickt');
    expect(
      rows(t, "select id from event_registrations where email = 'twice@example.org'"),
    ).toHaveLength(1);
  });
});

describe('cancelling by link', () => {
  it('shows a button on GET and cancels only on POST', async () => {
    const e = event({ capacity: 1 });
    await register(e, { name: 'Storno', email: 'cancel@example.org' });
    await register(e, { name: 'Wartet', email: 'waits@example.org' });
    const id = registration('cancel@example.org')!.id as number;
    const token = t.app.services.registrations.cancelToken(id);
    const url = `/events/${e.slug}/cancel/${token}`;

    const get = await t.app.inject({ method: 'GET', url, headers: HTML });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain(`<form method="post" action="${url}">`);
    expect(registration('cancel@example.org')).toMatchObject({ status: 'registered' });

    const post = await t.app.inject({ method: 'POST', url, headers: FORM, payload: 'lang=de' });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('Anmeldung storniert');
    expect(registration('cancel@example.org')).toMatchObject({ status: 'cancelled' });
    expect(registration('waits@example.org')).toMatchObject({ status: 'registered' });

    const again = await t.app.inject({ method: 'GET', url, headers: HTML });
    expect(again.body).toContain('bereits storniert');
  });

  it('answers a tampered link, or one for another event, with 404', async () => {
    const e = event();
    const other = event();
    await register(e, { name: 'X', email: 'tamper@example.org' });
    const token = t.app.services.registrations.cancelToken(
      registration('tamper@example.org')!.id as number,
    );
    for (const url of [
      `/events/${e.slug}/cancel/${token.slice(0, -3)}abc`,
      `/events/${other.slug}/cancel/${token}`,
    ]) {
      const res = await t.app.inject({ method: 'POST', url, headers: FORM, payload: 'lang=de' });
      expect(res.statusCode).toBe(404);
    }
    expect(registration('tamper@example.org')).toMatchObject({ status: 'registered' });
  });
});
