/**
 * The mails of an event registration as they arrive at a real SMTP server: the confirmation
 * with its calendar file and cancellation link, the waiting-list mail, the moved-up mail after
 * somebody cancels by their link, and the reminder on the day before — once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import type { Event } from '../../../../server/services/events/index.js';
import { DIRECT_SOURCE } from '../../../../server/services/sources/index.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import type { ReceivedMail } from '../../../helpers/smtp-sink.js';
import { FORM, HTML, pause, rows } from '../_flow.js';

let t: TestApp;
let editor: Actor;
let n = 0;
const DAY = 86_400_000;

function event(fields: Record<string, unknown> = {}): Event {
  const saved = t.app.services.events.create(
    {
      type: 'meeting',
      title: `Praxistreffen Dorfläden ${++n}`,
      startsAt: '2031-09-02T17:00',
      endsAt: '2031-09-02T19:30',
      place: 'Bürgerhaus Ballenstedt',
      online: true,
      capacity: 1,
      contact: 'Anna Beispiel, 03946 1234',
      ...fields,
    },
    editor,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
  return saved.event;
}

const register = (e: Event, email: string, language = 'de') =>
  t.app.services.registrations.register(e.id, {
    draft: { name: `Person ${email.split('@')[0]}`, email },
    source: DIRECT_SOURCE,
    language,
  });

const mailTo = (email: string, subject: string | RegExp) =>
  t.smtp.waitFor(
    (m) =>
      m.to.includes(email) &&
      (typeof subject === 'string' ? m.subject.includes(subject) : subject.test(m.subject)),
    10_000,
  );

const calendarOf = (mail: ReceivedMail) => {
  const ics = mail.parsed.attachments.find((a) => a.filename === 'event.ics');
  return ics ? { type: ics.contentType, text: ics.content.toString('utf8') } : undefined;
};

const cancelPath = (mail: ReceivedMail) => {
  const match = /https?:\/\/[^\s"<>]*(\/events\/[^\s"<>]+\/cancel\/[A-Za-z0-9._~-]+)/.exec(
    mail.text ?? '',
  );
  if (!match) throw new Error(`no cancellation link in:\n${mail.text}`);
  return match[1]!;
};

beforeAll(async () => {
  t = await startTestApp();
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

describe('registration mails', () => {
  it('confirms with a calendar file; the waiting person hears so; a cancellation by link moves them up', async () => {
    const e = event();
    const first = await register(e, 'anna@example.org');
    const second = await register(e, 'olena@example.org', 'uk');
    if (first.kind !== 'registered' || second.kind !== 'waiting') throw new Error('unexpected');

    const confirmed = await mailTo('anna@example.org', 'Anmeldung bestätigt');
    expect(confirmed.subject).toBe(`Anmeldung bestätigt: ${e.title}`);
    expect(confirmed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(confirmed.text).toContain('Guten Tag Person anna,');
    expect(confirmed.text).toContain('Bürgerhaus Ballenstedt · Online');
    expect(confirmed.text).toContain('Dienstag, 2. September 2031, 17:00–19:30');
    const calendar = calendarOf(confirmed);
    expect(calendar?.type).toBe('text/calendar');
    const lines = calendar!.text.replace(/\r\n /g, '').split('\r\n');
    expect(lines).toContain(`UID:registration-${first.registration.id}@localhost`);
    expect(lines).toContain('DTSTART:20310902T150000Z');
    expect(lines).toContain('DTEND:20310902T173000Z');
    expect(lines).toContain(`SUMMARY:${e.title}`);
    expect(lines).toContain('LOCATION:Bürgerhaus Ballenstedt · Online');

    const waiting = await mailTo('olena@example.org', 'Список очікування');
    expect(calendarOf(waiting)).toBeUndefined();
    expect(waiting.text).toContain('Ви у списку очікування');

    // A mail scanner fetching the link cancels nothing; the button does.
    const path = cancelPath(confirmed);
    const page = await t.app.inject({ method: 'GET', url: path, headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(
      rows(t, 'select status from event_registrations where id = ?', first.registration.id),
    ).toEqual([{ status: 'registered' }]);
    const cancel = await t.app.inject({
      method: 'POST',
      url: path,
      headers: FORM,
      payload: 'lang=de',
    });
    expect(cancel.statusCode).toBe(200);

    const promoted = await mailTo('olena@example.org', 'Звільнилося місце');
    const promotedCalendar = calendarOf(promoted);
    expect(promotedCalendar?.text).toContain(
      `UID:registration-${second.registration.id}@localhost`,
    );
    expect(
      rows(t, 'select status from event_registrations where id = ?', second.registration.id),
    ).toEqual([{ status: 'registered' }]);
    // The cancelled person gets no further mail about it.
    await pause(300);
    expect(t.smtp.messages.filter((m) => m.to.includes('anna@example.org'))).toHaveLength(1);
  });

  it('reminds registered people the day before, once', async () => {
    const now = Date.now();
    const berlinTomorrow = new Date(now + DAY).toLocaleDateString('sv-SE', {
      timeZone: 'Europe/Berlin',
    });
    const e = event({ startsAt: `${berlinTomorrow}T23:30`, endsAt: '', capacity: 1 });
    await register(e, 'tomorrow@example.org');
    await register(e, 'tomorrow-waits@example.org');
    expect(await t.app.services.registrations.sendReminders(now)).toBe(1);
    expect(await t.app.services.registrations.sendReminders(now + 60_000)).toBe(0);
    const reminder = await mailTo('tomorrow@example.org', 'Erinnerung');
    expect(reminder.subject).toBe(`Erinnerung: morgen ${e.title}`);
    expect(reminder.text).toContain('/cancel/');
    await pause(300);
    expect(t.smtp.messages.filter((m) => m.subject.startsWith('Erinnerung'))).toHaveLength(1);
  });
});
