/**
 * Addresses with an internationalised domain (anna@bücher.de): one person whichever form is
 * typed, stored and shown in Unicode, sent to in punycode (what every mail server accepts).
 * A non-ASCII part before the @ cannot be delivered yet and is refused with a clear message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClient, type ImportClient } from '../../helpers/admin-imports.js';
import { loginAs, type AdminClient } from '../../helpers/admin.js';
import { apiClient, makeToken } from '../../helpers/api.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { pause, postSignup, rows, subscriberByEmail } from './_flow.js';

let t: TestApp;
let editor: AdminClient;
let importer: ImportClient;
let token: string;
const api = apiClient(() => t);

const people = (like: string) =>
  rows<{ email: string }>(t, 'select email from subscribers where email like ?', like).map(
    (r) => r.email,
  );
/** Mails whose RCPT TO, as written on the wire, named this address. */
const sentTo = (address: string) => t.smtp.messages.filter((m) => m.rcptToSent.includes(address));
const listId = () => rows<{ id: number }>(t, 'select id from lists order by id limit 1')[0]!.id;
const emailError = (html: string) =>
  /id="email-error">(.*?)<\/p>/s.exec(html)?.[1]?.replace(/<[^>]+>/g, '');

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  editor = await loginAs(t, 'editor');
  importer = await importClient(t, 'editor');
  token = makeToken(t, 'crm', 'editor');
});
afterAll(async () => {
  await t?.close();
});

describe('the sign-up form', () => {
  it('stores the address in Unicode and sends the confirmation to its punycode form', async () => {
    const res = await postSignup(t, { email: ' Anna@Bücher.DE ' });
    expect(res.statusCode).toBe(200);
    expect(subscriberByEmail(t, 'anna@bücher.de')).toMatchObject({ status: 'unconfirmed' });
    const mail = await t.smtp.waitFor((m) => m.rcptToSent.includes('anna@xn--bcher-kva.de'));
    expect(mail.rcptToSent).toEqual(['anna@xn--bcher-kva.de']);
    expect(mail.headers.get('to')).toBe('anna@xn--bcher-kva.de');
    expect(mail.text).toMatch(/\/confirm\//);
  });

  it('the punycode form, in capitals, is the same person', async () => {
    const res = await postSignup(t, { email: 'ANNA@XN--BCHER-KVA.DE' });
    expect(res.statusCode).toBe(200);
    expect(people('anna@%')).toEqual(['anna@bücher.de']);
    await pause(800);
    // Still within the cool-down: no second confirmation mail.
    expect(sentTo('anna@xn--bcher-kva.de')).toHaveLength(1);
  });

  it('refuses a non-ASCII part before the @ with a message next to the field', async () => {
    for (const email of ['jürgen@example.de', 'müller@bücher.de']) {
      const res = await postSignup(t, { email });
      expect(res.statusCode, email).toBe(400);
      expect(emailError(res.body), email).toContain(
        'Adressen mit Umlauten oder anderen Sonderzeichen vor dem @',
      );
      expect(res.body).toContain(`value="${email}"`);
    }
    expect(people('jürgen@%')).toEqual([]);
    expect(people('müller@%')).toEqual([]);
    await pause(300);
    expect(t.smtp.messages.filter((m) => /jürgen|müller/.test(m.rcptToSent.join()))).toEqual([]);
  });

  it('still refuses what is no address, Unicode or not', async () => {
    for (const email of ['user@bü cher.de', 'user@bücher', 'user@xn--zz.de', 'user@b%C3%BC.de']) {
      const res = await postSignup(t, { email });
      expect(res.statusCode, email).toBe(400);
      expect(emailError(res.body), email).toContain('gültige E-Mail-Adresse');
    }
  });
});

describe('the admin add form', () => {
  const paper = { method: 'paper', event: 'Fachtag', event_date: '2026-03-14', language: 'de' };

  it('stores the Unicode form; the punycode form is then already known', async () => {
    await editor.get('/admin/subscribers/new');
    const added = await editor.post('/admin/subscribers', {
      ...paper,
      email: 'Berta@Straße.de',
      lists: String(listId()),
    });
    expect(added.statusCode).toBe(303);
    expect(people('berta@%')).toEqual(['berta@straße.de']);
    const again = await editor.post('/admin/subscribers', {
      ...paper,
      email: 'berta@xn--strae-oqa.de',
      lists: String(listId()),
    });
    expect(again.statusCode).toBe(400);
    expect(emailError(again.body)).toContain('Diese Adresse ist schon eingetragen.');
  });

  it('refuses a non-ASCII part before the @ with its own message', async () => {
    await editor.get('/admin/subscribers/new');
    const res = await editor.post('/admin/subscribers', {
      ...paper,
      email: 'jürgen@example.de',
      lists: String(listId()),
    });
    expect(res.statusCode).toBe(400);
    expect(emailError(res.body)).toBe(
      'Fehler: Adressen mit Umlauten oder anderen Nicht-ASCII-Zeichen vor dem @ können noch nicht zugestellt werden.',
    );
    expect(people('jürgen@%')).toEqual([]);
  });
});

describe('the API', () => {
  it('creates in Unicode, finds by either form, refuses a non-ASCII local part', async () => {
    const paper = { mode: 'paper', event: 'Fachtag', eventDate: '2026-03-14' };
    const created = await api('POST', '/subscribers', token, {
      email: 'carla@XN--MNCHEN-3YA.de',
      consent: paper,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: 'carla@münchen.de' });
    for (const email of ['carla@münchen.de', 'Carla@xn--mnchen-3ya.DE']) {
      const found = await api('GET', `/subscribers?email=${encodeURIComponent(email)}`, token);
      expect(found.json<{ items: { email: string }[] }>().items.map((i) => i.email)).toEqual([
        'carla@münchen.de',
      ]);
    }
    const again = await api('POST', '/subscribers', token, {
      email: 'carla@münchen.de',
      consent: paper,
    });
    expect(again.statusCode).toBe(409);

    const refused = await api('POST', '/subscribers', token, {
      email: 'jürgen@example.de',
      consent: paper,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ message: string }>().message).toBe(
      'email has characters other than ASCII before the @: such an address cannot be delivered yet',
    );
  });
});

describe('the CSV import', () => {
  it('reads a Unicode domain and its punycode form as one person, stored in Unicode', async () => {
    const csv = Buffer.from(
      'email;name\ndora@köln.de;Dora Köln\nDORA@XN--KLN-SNA.DE;Dora Zwei\njürgen@example.de;Jürgen\n',
    );
    await importer.get('/admin/imports');
    const upload = await importer.upload('idn.csv', csv);
    expect(upload.statusCode, upload.body).toBe(303);
    const id = Number(
      /\/admin\/imports\/(\d+)\/mapping/.exec(upload.headers.location as string)![1],
    );
    await importer.get(`/admin/imports/${id}/mapping`);
    await importer.post(`/admin/imports/${id}/mapping`, { 'map-0': 'email', 'map-1': 'name' });
    await importer.get(`/admin/imports/${id}`);
    const start = await importer.post(`/admin/imports/${id}/start`, {
      mode: 'confirmed',
      consentSource: 'Teilnahmeliste Fachtag 2026-03-14',
    });
    expect(start.statusCode, start.body).toBe(303);
    for (let i = 0; i < 100; i++) {
      const [row] = rows<{ status: string }>(t, 'select status from imports where id = ?', id);
      if (row!.status === 'done') break;
      await pause(100);
    }
    expect(people('dora@%')).toEqual(['dora@köln.de']);
    expect(people('jürgen@%')).toEqual([]);
  });
});
