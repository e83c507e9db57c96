/**
 * The preferences page reached by a signed link: requesting the link (same answer for any
 * address), changing the profile, downloading one's data, erasing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFrom, startTestApp, type TestApp } from '../../../helpers/app.js';
import {
  FORM,
  HTML,
  consentEvents,
  formBody,
  mailsTo,
  pathOf,
  pause,
  postSignup,
  rows,
  signUpAndConfirm,
  subscriberByEmail,
  waitForMailTo,
  type SubscriberRow,
} from '../_flow.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
});

afterAll(async () => {
  await t?.close();
});

/** The last confirmation-type mail went out an hour ago: a new one may go now. */
function outsideCooldown(subscriber: SubscriberRow) {
  t.runtime.database.sqlite
    .prepare('UPDATE subscribers SET last_confirmation_at = ? WHERE id = ?')
    .run(Date.now() - 3600_000, subscriber.id);
}

async function requestLink(email: string) {
  return t.app.inject({
    method: 'POST',
    url: '/preferences',
    headers: FORM,
    payload: formBody({ lang: 'de', email }),
  });
}

const rolesOf = (id: number) =>
  rows<{ role_key: string }>(
    t,
    'SELECT role_key FROM subscriber_roles WHERE subscriber_id = ? ORDER BY role_key',
    id,
  ).map((r) => r.role_key);

describe('asking for a preferences link', () => {
  it('shows a form, answers the same for a known and an unknown address, mails only the known one', async () => {
    const known = 'pref.known@example.org';
    const unknown = 'pref.unknown@example.org';
    const { subscriber } = await signUpAndConfirm(t, known);
    outsideCooldown(subscriber);

    const form = await t.app.inject({ method: 'GET', url: '/preferences', headers: HTML });
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/<form method="post" action="\/preferences"/);
    expect(form.body).toMatch(/<label for="email">E-Mail-Adresse<\/label>/);

    const forKnown = await requestLink(known);
    const forUnknown = await requestLink(unknown);
    expect(forKnown.statusCode).toBe(200);
    expect(forUnknown.statusCode).toBe(200);
    expect(forKnown.body).toContain('ist ein Link zu Ihren Einstellungen unterwegs');
    expect(forKnown.body).toContain('role="status"');
    expect(forUnknown.body).toBe(forKnown.body);

    const mail = await waitForMailTo(t, known, (m) => m.subject.startsWith('Ihr Link'));
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    const link = linkFrom(mail.text, '/p/');
    expect(link.startsWith('http://localhost:3000/p/')).toBe(true);
    await pause(500);
    expect(mailsTo(t, unknown)).toEqual([]);
  });

  it('does not mail an address that never confirmed', async () => {
    const email = 'pref.unconfirmed@example.org';
    await postSignup(t, { email });
    await waitForMailTo(t, email);
    t.runtime.database.sqlite
      .prepare('UPDATE subscribers SET last_confirmation_at = ? WHERE email = ?')
      .run(Date.now() - 3600_000, email);
    const res = await requestLink(email);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('ist ein Link zu Ihren Einstellungen unterwegs');
    await pause(800);
    expect(mailsTo(t, email).map((m) => m.subject)).toEqual([
      'Bitte bestätigen Sie Ihre Anmeldung zum Newsletter von Landpost Test e.V.',
    ]);
  });

  it('an invalid address is answered next to the field', async () => {
    const res = await requestLink('nope');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<p class="error" id="email-error">/);
    expect(res.body).toContain('value="nope"');
  });
});

describe('the preferences page', () => {
  const email = 'pref.page@example.org';
  let subscriber: SubscriberRow;
  let prefsPath: string;

  beforeAll(async () => {
    ({ subscriber } = await signUpAndConfirm(t, email, {
      name: 'Paula Pref',
      region: '15085',
      roles: ['volunteer', 'staff'],
      topics: ['funding', 'training'],
      tracking: 'yes',
    }));
    outsideCooldown(subscriber);
    await requestLink(email);
    const mail = await waitForMailTo(t, email, (m) => m.subject.startsWith('Ihr Link'));
    prefsPath = pathOf(linkFrom(mail.text, '/p/'));
  });

  it('shows the form with the current values', async () => {
    const page = await t.app.inject({ method: 'GET', url: prefsPath, headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain(email);
    expect(page.body).toMatch(/<input id="name"[^>]*value="Paula Pref"/);
    expect(page.body).toMatch(/id="region-15085" name="region" value="15085" checked/);
    expect(page.body).not.toMatch(/id="region-none" name="region" value="" checked/);
    expect(page.body).toMatch(/id="role-volunteer" name="roles" value="volunteer" checked/);
    expect(page.body).toMatch(/id="role-staff" name="roles" value="staff" checked/);
    expect(page.body).not.toMatch(/id="role-politics" name="roles" value="politics" checked/);
    expect(page.body).toMatch(/id="topic-training" name="topics" value="training" checked/);
    expect(page.body).toMatch(/id="tracking" name="tracking" value="yes" checked/);
    expect(page.body).toContain(`<form method="post" action="${prefsPath}" novalidate>`);
    expect(page.body).toContain(`href="${prefsPath}/export"`);
  });

  it('saves changed region, roles and tracking, and records each change', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: prefsPath,
      headers: FORM,
      payload: formBody({
        lang: 'de',
        name: 'Paula Pref',
        region: 'overregional',
        roles: ['municipality'],
        topics: ['funding', 'training'],
        language: 'de',
        // tracking unticked
      }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Ihre Änderungen sind gespeichert.');
    expect(res.body).toMatch(/id="region-overregional" name="region" value="overregional" checked/);

    const row = subscriberByEmail(t, email)!;
    expect(row).toMatchObject({
      region_key: 'overregional',
      tracking_consent: 0,
      status: 'confirmed',
    });
    expect(rolesOf(row.id)).toEqual(['municipality']);

    const log = consentEvents(t, row.id);
    const changed = log.filter((e) => e.kind === 'preferences_changed');
    expect(changed).toHaveLength(1);
    expect(JSON.parse(changed[0]!.details!)).toEqual({
      regionKey: 'overregional',
      roleKeys: ['municipality'],
    });
    expect(changed[0]!.channel).toBe('preferences');
    expect(log.at(-1)?.kind).toBe('tracking_withdrawn');

    // Ticking it again is a separate, new consent.
    const again = await t.app.inject({
      method: 'POST',
      url: prefsPath,
      headers: FORM,
      payload: formBody({
        lang: 'de',
        name: 'Paula Pref',
        region: 'overregional',
        roles: ['municipality'],
        topics: ['funding', 'training'],
        language: 'de',
        tracking: 'yes',
      }),
    });
    expect(again.statusCode).toBe(200);
    expect(subscriberByEmail(t, email)?.tracking_consent).toBe(1);
    const kinds = consentEvents(t, row.id).map((e) => e.kind);
    expect(kinds.slice(-2)).toEqual(['tracking_withdrawn', 'tracking_granted']);
    // Nothing but tracking changed: no second preferences_changed.
    expect(kinds.filter((k) => k === 'preferences_changed')).toHaveLength(1);
  });

  it('refuses an unknown region and keeps the stored one', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: prefsPath,
      headers: FORM,
      payload: formBody({ lang: 'de', region: 'atlantis', language: 'de' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/<p class="error" id="region-error">/);
    expect(subscriberByEmail(t, email)?.region_key).toBe('overregional');
  });

  it('downloads all data as JSON, with the consent history', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${prefsPath}/export` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    const data = res.json<{
      subscriber: { email: string; name: string; regionKey: string; roleKeys: string[] };
      subscriptions: { status: string }[];
      consent: { kind: string; ip: string | null }[];
      consentTexts: { version: string; text: string }[];
    }>();
    expect(data.subscriber).toMatchObject({
      email,
      name: 'Paula Pref',
      regionKey: 'overregional',
      roleKeys: ['municipality'],
    });
    expect(data.subscriptions.map((s) => s.status)).toEqual(['confirmed']);
    expect(data.consent.map((c) => c.kind)).toEqual(
      consentEvents(t, subscriber.id).map((e) => e.kind),
    );
    expect(data.consent.map((c) => c.kind).slice(0, 4)).toEqual([
      'signup',
      'tracking_granted',
      'confirmation_sent',
      'confirmed',
    ]);
    expect(data.consentTexts[0]?.text).toContain('Ich möchte den Newsletter per E-Mail erhalten.');
  });

  it('a tampered token gets the 404 page', async () => {
    const token = prefsPath.slice('/p/'.length);
    const [body, mac] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as { s: number };
    const otherBody = Buffer.from(JSON.stringify({ ...claims, s: claims.s + 1 })).toString(
      'base64url',
    );
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${otherBody}.${mac}`, `${body}.${flipped}`, 'garbage']) {
      for (const url of [`/p/${bad}`, `/p/${bad}/export`]) {
        const res = await t.app.inject({ method: 'GET', url, headers: HTML });
        expect(res.statusCode, url).toBe(404);
        expect(res.body).toContain('Der Link zu Ihren Einstellungen ist ungültig oder abgelaufen.');
        expect(res.body).not.toContain(email);
      }
    }
    const post = await t.app.inject({
      method: 'POST',
      url: `/p/${otherBody}.${mac}/delete`,
      headers: FORM,
      payload: '',
    });
    expect(post.statusCode).toBe(404);
    expect(subscriberByEmail(t, email)).toBeDefined();
  });

  it('deletes everything on request; the proof of consent stays', async () => {
    const confirmPage = await t.app.inject({
      method: 'GET',
      url: `${prefsPath}/delete`,
      headers: HTML,
    });
    expect(confirmPage.statusCode).toBe(200);
    expect(subscriberByEmail(t, email)).toBeDefined();

    const res = await t.app.inject({
      method: 'POST',
      url: `${prefsPath}/delete`,
      headers: FORM,
      payload: formBody({ lang: 'de' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Ihre Daten sind gelöscht');
    expect(subscriberByEmail(t, email)).toBeUndefined();
    expect(rows(t, 'SELECT * FROM subscriptions WHERE subscriber_id = ?', subscriber.id)).toEqual(
      [],
    );
    expect(rolesOf(subscriber.id)).toEqual([]);
    const log = consentEvents(t, subscriber.id);
    expect(log.at(-1)).toMatchObject({ kind: 'erased', channel: 'preferences' });
    expect(log.map((e) => e.kind)).toContain('confirmed');

    // The link is dead now.
    const after = await t.app.inject({ method: 'GET', url: prefsPath, headers: HTML });
    expect(after.statusCode).toBe(404);
  });
});

describe('the consent proof names the wording the person actually saw', () => {
  // The consent text is stored in the language the form was shown in, not in the language
  // chosen for the mails (`profile.language`): the proof holds the wording the person saw.
  it('form shown in Ukrainian, mails in Arabic: the export holds the Ukrainian consent text', async () => {
    const email = 'pref.consentlang@example.org';
    const { welcome } = await signUpAndConfirm(t, email, { lang: 'uk', language: 'ar' });
    const row = subscriberByEmail(t, email)!;
    outsideCooldown(row);
    await requestLink(email);
    const mail = await waitForMailTo(
      t,
      email,
      (m) => m !== welcome && (m.text ?? '').includes('/p/'),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: `${pathOf(linkFrom(mail.text, '/p/'))}/export`,
    });
    const data = res.json<{ consentTexts: { language: string; text: string }[] }>();
    const shown = rows<{ text: string }>(t, "SELECT text FROM consent_texts WHERE language = 'uk'");
    expect(shown, 'the Ukrainian wording that was on the form is stored').toHaveLength(1);
    expect(data.consentTexts.map((c) => c.language)).toContain('uk');
  });
});
