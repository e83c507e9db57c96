/**
 * Everything a form, a bot or a stale link can throw at the public pages: each gets a clear
 * answer, nothing is stored that should not be, and no mail goes out twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFrom, startTestApp, type TestApp } from '../../../helpers/app.js';
import {
  FORM,
  HTML,
  confirmationPath,
  consentEvents,
  eventually,
  formBody,
  mailsTo,
  pathOf,
  pause,
  postSignup,
  rows,
  signUpAndConfirm,
  subscriberByEmail,
  waitForMailTo,
} from '../_flow.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
});

afterAll(async () => {
  await t?.close();
});

const subscriberCount = () => rows<{ n: number }>(t, 'SELECT count(*) AS n FROM subscribers')[0]!.n;
const consentCount = () => rows<{ n: number }>(t, 'SELECT count(*) AS n FROM consent_events')[0]!.n;

/** The text of the field error rendered next to a field (`<p … id="FIELD-error">…</p>`). */
function fieldError(html: string, field: string): string | undefined {
  const match = new RegExp(`<p class="error" id="${field}-error">(.*?)</p>`, 's').exec(html);
  return match?.[1]?.replace(/<[^>]+>/g, '');
}

/** The answer page for a sign-up, with the address taken out: must not tell new from known. */
const answerWithout = (html: string, email: string) => html.split(email).join('EMAIL');

describe('the sign-up form refuses bad input, keeps what was typed, stores nothing', () => {
  it('an invalid address: 400, the error next to the field, the values kept', async () => {
    const before = { subscribers: subscriberCount(), events: consentCount() };
    const res = await postSignup(t, {
      email: 'not-an-address',
      name: 'Ilse Invalid',
      region: '15003',
      roles: ['volunteer', 'politics'],
    });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'email')).toBe(
      'Fehler: Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de.',
    );
    expect(res.body).toMatch(
      /<input id="email"[^>]*value="not-an-address" aria-invalid="true" aria-describedby="email-error">/,
    );
    expect(res.body).toContain('role="alert"');
    // Everything else stays as it was entered.
    expect(res.body).toMatch(/<input id="name"[^>]*value="Ilse Invalid"/);
    expect(res.body).toMatch(/id="region-15003" name="region" value="15003" checked/);
    expect(res.body).toMatch(/id="role-volunteer" name="roles" value="volunteer" checked/);
    expect(res.body).toMatch(/id="role-politics" name="roles" value="politics" checked/);
    expect(res.body).not.toMatch(/id="role-staff" name="roles" value="staff" checked/);
    expect(res.body).toMatch(/id="consent" name="consent" value="yes" required checked/);
    expect(subscriberCount()).toBe(before.subscribers);
    expect(consentCount()).toBe(before.events);
  });

  it('an address longer than 254 characters', async () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example.org`;
    expect(long.length).toBeGreaterThan(254);
    const res = await postSignup(t, { email: long });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'email')).toContain('Die E-Mail-Adresse ist zu lang');
    expect(rows(t, 'SELECT id FROM subscribers WHERE length(email) > 254')).toEqual([]);
  });

  it('a line break in the name (header injection): 400, nothing stored, no mail', async () => {
    const email = 'crlf.name@example.org';
    const res = await postSignup(t, { email, name: 'Eve\r\nBcc: victim@example.net' });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'name')).toContain('keine Zeilenumbrüche');
    expect(res.body).toMatch(/<input id="name"[^>]*aria-describedby="name-error"/);
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('markup in the name: 400 with the name error, and echoed escaped', async () => {
    const email = 'markup.name@example.org';
    const res = await postSignup(t, { email, name: '<b>Bold</b>' });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'name')).toContain('spitzen Klammern');
    expect(res.body).toContain('value="&lt;b&gt;Bold&lt;/b&gt;"');
    expect(res.body).not.toContain('<b>Bold');
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('quotes in a value cannot break out of the attribute when echoed', async () => {
    const res = await postSignup(t, {
      email: 'bad"><script>alert(1)</script>',
      name: 'Eve" autofocus onfocus="alert(1)',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>alert(1)');
    expect(res.body).not.toContain('" autofocus onfocus="');
    expect(res.body).toMatch(/value="bad&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    expect(res.body).toMatch(/value="Eve&quot; autofocus onfocus=&quot;alert\(1\)"/);
  });

  it('an unknown region key', async () => {
    const email = 'no.region@example.org';
    const res = await postSignup(t, { email, region: '99999' });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'region')).toContain('Bitte wählen Sie eine Region aus der Liste.');
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('an unknown role key', async () => {
    const email = 'no.role@example.org';
    const res = await postSignup(t, { email, roles: ['volunteer', 'astronaut'] });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'roles')).toContain('nur Rollen aus der Liste');
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('no consent: 400, consent error, the box stays unticked, nothing stored', async () => {
    const email = 'no.consent@example.org';
    const res = await postSignup(t, { email, consent: undefined });
    expect(res.statusCode).toBe(400);
    expect(fieldError(res.body, 'consent')).toContain(
      'Bitte bestätigen Sie, dass Sie den Newsletter erhalten möchten.',
    );
    expect(res.body).toMatch(/<input type="checkbox" id="consent"[^>]*aria-invalid="true"/);
    expect(res.body).not.toMatch(/id="consent" name="consent" value="yes" required checked/);
    expect(res.body).toContain(`value="${email}"`);
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('a 100 KB body: 413, nothing stored', async () => {
    const email = 'huge.body@example.org';
    const res = await postSignup(t, { email, name: 'x'.repeat(100 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain('Die Anfrage ist zu groß.');
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('the empty form page itself starts with the consent box unticked', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.body).toMatch(
      /<input type="checkbox" id="consent" name="consent" value="yes" required>/,
    );
    expect(res.body).toContain('autocomplete="email"');
  });

  it('no bad sign-up above sent any mail', async () => {
    await pause(500);
    const addresses = [
      'crlf.name',
      'markup.name',
      'no.region',
      'no.role',
      'no.consent',
      'huge.body',
    ];
    for (const a of addresses) expect(mailsTo(t, `${a}@example.org`)).toEqual([]);
  });
});

describe('bots', () => {
  it('a filled honeypot gets the ordinary answer, and nothing is stored or sent', async () => {
    const bot = 'honey.bot@example.org';
    const human = 'honey.human@example.org';
    const botAnswer = await postSignup(t, { email: bot, website: 'http://spam.example' });
    const humanAnswer = await postSignup(t, { email: human });
    expect(botAnswer.statusCode).toBe(200);
    expect(answerWithout(botAnswer.body, bot)).toBe(answerWithout(humanAnswer.body, human));
    await waitForMailTo(t, human);
    await pause(300);
    expect(subscriberByEmail(t, bot)).toBeUndefined();
    expect(mailsTo(t, bot)).toEqual([]);
  });
});

describe('confirmation links that do not work', () => {
  const invalidText = 'Der Bestätigungslink ist ungültig, abgelaufen oder wurde schon benutzt.';

  it('a made-up token: 404 page for GET and POST', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await t.app.inject({
        method,
        url: '/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        headers: FORM,
        ...(method === 'POST' ? { payload: 'lang=de' } : {}),
      });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain(invalidText);
      expect(res.body).toContain('<a href="/">Noch einmal anmelden</a>');
    }
  });

  it('an expired token: 404, and the sign-up stays unconfirmed', async () => {
    const email = 'expired.token@example.org';
    await postSignup(t, { email });
    const confirm = await confirmationPath(t, email);
    const id = subscriberByEmail(t, email)!.id;
    t.runtime.database.sqlite
      .prepare('UPDATE subscriber_tokens SET expires_at = ? WHERE subscriber_id = ?')
      .run(Date.now() - 1000, id);

    const page = await t.app.inject({ method: 'GET', url: confirm, headers: HTML });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain(invalidText);
    const post = await t.app.inject({ method: 'POST', url: confirm, headers: FORM, payload: '' });
    expect(post.statusCode).toBe(404);
    expect(subscriberByEmail(t, email)).toMatchObject({
      status: 'unconfirmed',
      confirmed_at: null,
    });
    expect(consentEvents(t, id).map((e) => e.kind)).not.toContain('confirmed');
  });

  it('a token used twice: the second POST says "already confirmed", one welcome mail only', async () => {
    const email = 'reused.token@example.org';
    await postSignup(t, { email });
    const confirm = await confirmationPath(t, email);
    const first = await t.app.inject({ method: 'POST', url: confirm, headers: FORM, payload: '' });
    expect(first.statusCode).toBe(200);
    const second = await t.app.inject({ method: 'POST', url: confirm, headers: FORM, payload: '' });
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('Ihre Anmeldung ist bereits bestätigt.');
    const getAfter = await t.app.inject({ method: 'GET', url: confirm, headers: HTML });
    expect(getAfter.statusCode).toBe(200);
    expect(getAfter.body).not.toContain(`action="${confirm}"`);

    await waitForMailTo(t, email, (m) => m.subject.startsWith('Willkommen'));
    await pause(1000);
    expect(mailsTo(t, email).map((m) => m.subject.split(' ')[0])).toEqual(['Bitte', 'Willkommen']);
    const id = subscriberByEmail(t, email)!.id;
    expect(consentEvents(t, id).filter((e) => e.kind === 'confirmed')).toHaveLength(1);
  });
});

describe('the same answer whoever signs up, and at most one confirmation per cool-down', () => {
  it('a repeated sign-up within the cool-down: same page, exactly one confirmation mail', async () => {
    const email = 'twice.signup@example.org';
    const first = await postSignup(t, { email });
    await waitForMailTo(t, email);
    const second = await postSignup(t, { email, name: 'Changed Mind' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    await pause(1500);
    expect(mailsTo(t, email)).toHaveLength(1);
  });

  it('an address that is already confirmed: same page as a new one, a preferences link instead of a second opt-in', async () => {
    const known = 'already.confirmed@example.org';
    const { subscriber } = await signUpAndConfirm(t, known, {
      name: 'Konrad Known',
      region: '15003',
    });
    // The first confirmation mail went out long ago (outside the cool-down).
    t.runtime.database.sqlite
      .prepare('UPDATE subscribers SET last_confirmation_at = ? WHERE id = ?')
      .run(Date.now() - 3600_000, subscriber.id);
    const before = mailsTo(t, known).length;
    const eventsBefore = consentEvents(t, subscriber.id).length;

    const fresh = 'brand.new@example.org';
    const newAnswer = await postSignup(t, { email: fresh });
    const knownAnswer = await postSignup(t, { email: known, name: 'Somebody Else', region: '' });
    expect(knownAnswer.statusCode).toBe(newAnswer.statusCode);
    expect(answerWithout(knownAnswer.body, known)).toBe(answerWithout(newAnswer.body, fresh));

    const prefs = await waitForMailTo(t, known, (m) => m.subject.startsWith('Ihr Link'));
    expect(prefs.subject).toBe('Ihr Link zu den Newsletter-Einstellungen bei Landpost Test e.V.');
    expect(prefs.text).toMatch(/http:\/\/localhost:3000\/p\//);
    expect(prefs.headers.get('auto-submitted')).toBe('auto-generated');
    await pause(1500);
    const newMails = mailsTo(t, known).slice(before);
    expect(newMails.map((m) => m.subject)).toEqual([prefs.subject]);
    expect(newMails.some((m) => (m.text ?? '').includes('/confirm/'))).toBe(false);
    // A stranger typing the address does not change the confirmed person's data.
    expect(subscriberByEmail(t, known)).toMatchObject({
      status: 'confirmed',
      name: 'Konrad Known',
      region_key: '15003',
    });
    expect(consentEvents(t, subscriber.id)).toHaveLength(eventsBefore);
  });

  it('addresses differing only in case are one subscriber', async () => {
    const res = await postSignup(t, { email: 'Case.Mixed@Example.ORG' });
    expect(res.statusCode).toBe(200);
    await waitForMailTo(t, 'case.mixed@example.org');
    await postSignup(t, { email: 'case.mixed@example.org' });
    expect(
      rows(t, "SELECT id FROM subscribers WHERE lower(email) = 'case.mixed@example.org'"),
    ).toHaveLength(1);
    await pause(800);
    expect(mailsTo(t, 'case.mixed@example.org')).toHaveLength(1);
  });

  it('the confirmation_sent record is written once per mail', async () => {
    const email = 'once.sent@example.org';
    await postSignup(t, { email });
    await waitForMailTo(t, email);
    const id = subscriberByEmail(t, email)!.id;
    await eventually(
      () => consentEvents(t, id).some((e) => e.kind === 'confirmation_sent'),
      'confirmation_sent',
    );
    await postSignup(t, { email });
    await pause(800);
    expect(consentEvents(t, id).filter((e) => e.kind === 'confirmation_sent')).toHaveLength(1);
  });
});

describe('forms posted in odd ways', () => {
  it('a form without the signed start time is refused', async () => {
    const email = 'no.startedat@example.org';
    const res = await postSignup(t, { email, startedAt: 'forged' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Das ging sehr schnell.');
    expect(subscriberByEmail(t, email)).toBeUndefined();
  });

  it('a confirmation POST needs no body', async () => {
    const email = 'empty.confirm@example.org';
    await postSignup(t, { email });
    const confirm = await confirmationPath(t, email);
    const res = await t.app.inject({ method: 'POST', url: confirm, headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(subscriberByEmail(t, email)?.status).toBe('confirmed');
  });

  it('a body that is not valid form encoding is not a server error', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/',
      headers: FORM,
      payload: formBody({ email: 'x' }).replace('x', '%E0%A4%A'),
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('a malformed multipart body on the unsubscribe link', () => {
  it('is a 400, and the person stays subscribed', async () => {
    const email = 'broken.multipart@example.org';
    const { subscriber, welcome } = await signUpAndConfirm(t, email);
    const url = pathOf(linkFrom(welcome.text, '/u/'));
    const bodies: [string, string, string | Buffer][] = [
      ['no boundary', 'multipart/form-data', 'List-Unsubscribe=One-Click'],
      [
        'cut off after a part header',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n',
      ],
      ['one NUL byte', 'multipart/form-data; boundary=x', Buffer.from([0])],
    ];
    for (const [what, type, payload] of bodies) {
      for (const accept of ['text/html', '*/*']) {
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': type, accept },
          payload,
        });
        expect(res.statusCode, `${what} (${accept})`).toBe(400);
        expect(res.body, what).toContain('Die Anfrage war fehlerhaft.');
      }
    }
    expect(subscriberByEmail(t, email)).toMatchObject({ status: 'confirmed' });
    expect(consentEvents(t, subscriber.id).map((e) => e.kind)).not.toContain('unsubscribed');
  });
});
