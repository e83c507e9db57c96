import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { importClient, type ImportClient } from '../../../helpers/admin-imports.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../fixtures/csv', name));

let t: TestApp;
let editor: ImportClient;
let viewer: ImportClient;

const rows = <T>(sql: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(sql).all(...params) as T[];
const count = (sql: string, ...params: unknown[]) =>
  (t.runtime.database.sqlite.prepare(sql).get(...params) as { n: number }).n;
const importCount = () => count('select count(*) as n from imports');

beforeAll(async () => {
  t = await startTestApp();
  editor = await importClient(t, 'editor');
  viewer = await importClient(t, 'viewer');
});
afterAll(async () => t?.close());

/** Upload, keep the guessed mapping, validate: returns the import id. */
async function uploadAndValidate(name: string, bytes = fixture(name)): Promise<number> {
  await editor.get('/admin/imports');
  const res = await editor.upload(name, bytes);
  expect(res.statusCode, res.body).toBe(303);
  const id = Number(/\/admin\/imports\/(\d+)\/mapping/.exec(res.headers.location as string)![1]);
  const mapping = await editor.get(`/admin/imports/${id}/mapping`);
  const fields = Object.fromEntries(
    [
      ...mapping.body.matchAll(/<select id="(map-\d+)"[\s\S]*?<option value="(\w+)" selected>/g),
    ].map((m) => [m[1]!, m[2]!]),
  );
  const validated = await editor.post(`/admin/imports/${id}/mapping`, fields);
  expect(validated.statusCode).toBe(303);
  return id;
}

async function waitUntilFinished(id: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [row] = rows<{ status: string }>('select status from imports where id = ?', id);
    if (row!.status === 'done' || row!.status === 'failed') return row!.status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`import ${id} did not finish`);
}

async function runImport(id: number, fields: Record<string, string>) {
  await editor.get(`/admin/imports/${id}`);
  const res = await editor.post(`/admin/imports/${id}/start`, fields);
  expect(res.statusCode, res.body).toBe(303);
  expect(await waitUntilFinished(id)).toBe('done');
  const page = await editor.get(`/admin/imports/${id}`);
  const counts = Object.fromEntries(
    [...page.body.matchAll(/id="count-(\w+)">(\d+)</g)].map((m) => [m[1]!, Number(m[2])]),
  );
  return { page, counts };
}

describe('CSV import in the admin UI', () => {
  it('is for editors: a viewer gets 403 on the page and the upload', async () => {
    expect((await viewer.get('/admin/imports')).statusCode).toBe(403);
    const res = await viewer.upload('fixed.csv', fixture('fixed.csv'));
    expect(res.statusCode).toBe(403);
    expect(importCount()).toBe(0);
  });

  it('refuses an upload without a valid CSRF token', async () => {
    await editor.get('/admin/imports');
    expect((await editor.upload('fixed.csv', fixture('fixed.csv'), null)).statusCode).toBe(403);
    expect((await editor.upload('fixed.csv', fixture('fixed.csv'), 'forged')).statusCode).toBe(403);
    expect(importCount()).toBe(0);
  });

  it('explains unusable files next to the file field and stores nothing', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['empty.csv', fixture('empty.csv'), /Die Datei ist leer/],
      ['header-only.csv', fixture('header-only.csv'), /nur die Kopfzeile/],
      ['unclosed-quote.csv', fixture('unclosed-quote.csv'), /nicht als CSV lesen \(Zeile \d+\)/],
      [
        'long.csv',
        Buffer.concat([Buffer.from('email;name\n'), Buffer.alloc(10 * 1024 * 1024, 'x')]),
        /Zeile 2 ist viel zu lang/,
      ],
      [
        'photo.csv',
        Buffer.concat([
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
          Buffer.from('IHDR'),
          randomBytes(2000),
        ]),
        /keine CSV-Datei/,
      ],
      ['noise.csv', randomBytes(5000), /keine CSV-Datei/],
      [
        'utf32.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('e\0\0\0', 'latin1')]),
        /UTF-32/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      await editor.get('/admin/imports');
      const res = await editor.upload(name, bytes);
      expect(res.statusCode, name).toBe(400);
      expect(res.body).toMatch(message);
      expect(res.body).toContain('aria-invalid="true"');
      expect(res.body).toContain('id="file-error"');
    }
    await editor.get('/admin/imports');
    const big = await editor.upload('big.csv', Buffer.alloc(21 * 1024 * 1024, 'a'));
    expect(big.statusCode).toBe(413);
    expect(big.body).toMatch(/zu groß/);
    expect(importCount()).toBe(0);
    expect(count('select count(*) as n from subscribers')).toBe(0);
  });

  it('reads a Windows-1252 file, says so, and previews the first rows with umlauts', async () => {
    await editor.get('/admin/imports');
    const res = await editor.upload('latin1.csv', fixture('latin1-semicolon.csv'));
    expect(res.statusCode).toBe(303);
    const page = await editor.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Windows-1252');
    expect(page.body).toContain('Jürgen Müller');
    expect(page.body).toContain('Grete Weiß');
    expect(page.body).toMatch(/<option value="region" selected>/);
    const id = Number(/imports\/(\d+)/.exec(res.headers.location as string)![1]);
    expect(existsSync(join(t.config.dataDir, 'imports', `${id}.csv`))).toBe(true);
    const audit = rows<{ action: string; entity_id: string }>(
      "select action, entity_id from audit_log where entity = 'import'",
    );
    expect(audit).toContainEqual({ action: 'upload', entity_id: String(id) });
  });

  it('asks for a mapping with an e-mail column', async () => {
    await editor.get('/admin/imports');
    const res = await editor.upload('tab.csv', fixture('tab.csv'));
    const id = Number(/imports\/(\d+)/.exec(res.headers.location as string)![1]);
    await editor.get(`/admin/imports/${id}/mapping`);
    const page = await editor.post(`/admin/imports/${id}/mapping`, {
      'map-0': 'ignore',
      'map-1': 'name',
      'map-2': 'language',
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('id="mapping-error"');
  });

  it('reports problems with line numbers before anything is written', async () => {
    const id = await uploadAndValidate('with-errors.csv');
    const page = await editor.get(`/admin/imports/${id}`);
    expect(page.statusCode).toBe(200);
    const problems = [...page.body.matchAll(/<tr><td>(\d+)<\/td><td>([^<]+)<\/td>/g)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(problems).toEqual([
      [3, 'E-Mail-Adresse ungültig'],
      [4, 'Region unbekannt'],
      [5, 'Adresse doppelt in der Datei'],
      [6, 'Rolle unbekannt'],
      [6, 'Thema unbekannt'],
      [7, 'E-Mail-Adresse fehlt'],
    ]);
    expect(page.body).toContain('wie Zeile 2');
    expect(page.body).toContain('Zeilen, die wegen Fehlern übersprungen werden: 5');
    expect(count('select count(*) as n from subscribers')).toBe(0);

    // Importing as confirmed needs the source of the consent.
    const refused = await editor.post(`/admin/imports/${id}/start`, {
      mode: 'confirmed',
      consentSource: '  ',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/id="consentSource"[^>]*aria-invalid="true"/);
    expect(refused.body).toContain('id="consentSource-error"');
    expect(count('select count(*) as n from subscribers')).toBe(0);
  });

  const source = 'Teilnehmerliste Fachtag Halle 12.11.2026, Papiereinwilligung';

  it('imports the fixed file as confirmed, with consent records and without mails', async () => {
    const id = await uploadAndValidate('fixed.csv');
    const report = await editor.get(`/admin/imports/${id}`);
    expect(report.body).toContain('Zeilen, die importiert werden können: 4');
    const { page, counts } = await runImport(id, { mode: 'confirmed', consentSource: source });
    expect(counts).toEqual({ created: 4, updated: 0, unchanged: 0, skipped: 0 });
    expect(page.body).not.toContain('http-equiv="refresh"');
    expect(page.body).toContain(source);
    // The browser reloads the address it was sent to after starting: no "still running" there.
    const reloaded = await editor.get(`/admin/imports/${id}?notice=imports.started`);
    expect(reloaded.body).not.toContain('Der Import läuft');
    // The uploaded file is removed once its rows are in the database.
    expect(existsSync(join(t.config.dataDir, 'imports', `${id}.csv`))).toBe(false);

    const people = rows<{ email: string; status: string; region_key: string }>(
      'select email, status, region_key from subscribers order by email',
    );
    expect(people).toEqual([
      { email: 'karl@example.org', status: 'confirmed', region_key: '15085' },
      { email: 'lena@example.org', status: 'confirmed', region_key: '15083' },
      { email: 'maria@example.org', status: 'confirmed', region_key: '15003' },
      { email: 'nora@example.org', status: 'confirmed', region_key: '15088' },
    ]);
    expect(
      rows(
        "select role_key, topic_key from subscriber_roles r join subscriber_topics t using (subscriber_id) join subscribers s on s.id = r.subscriber_id where s.email = 'nora@example.org' order by topic_key",
      ),
    ).toEqual([
      { role_key: 'staff', topic_key: 'counselling' },
      { role_key: 'staff', topic_key: 'networking' },
    ]);
    const events = rows<{ kind: string; channel: string; details: string }>(
      "select e.kind, e.channel, e.details from consent_events e join subscribers s on s.id = e.subscriber_id where s.email = 'karl@example.org' order by e.id",
    );
    expect(events.map((e) => [e.kind, e.channel])).toEqual([
      ['signup', 'import'],
      ['confirmed', 'import'],
    ]);
    expect(JSON.parse(events[0]!.details)).toEqual({
      importId: id,
      consentSource: source,
      enteredBy: expect.stringMatching(/^editor-.*@landpost\.test$/),
    });
    expect(count("select count(*) as n from subscriptions where status = 'confirmed'")).toBe(4);
    const audit = rows<{ action: string; details: string }>(
      "select action, details from audit_log where entity = 'import' and entity_id = ?",
      String(id),
    );
    expect(audit.map((a) => a.action)).toEqual(['upload', 'start']);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({
      mode: 'confirmed',
      consentSource: source,
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages).toHaveLength(0);
  });

  it('changes nothing when the same file is imported again', async () => {
    const before = {
      subscribers: rows('select * from subscribers order by id'),
      events: count('select count(*) as n from consent_events'),
    };
    const id = await uploadAndValidate('fixed.csv');
    const report = await editor.get(`/admin/imports/${id}`);
    expect(report.body).toContain('davon schon bekannte Adressen: 4');
    const { counts } = await runImport(id, { mode: 'confirmed', consentSource: source });
    expect(counts).toEqual({ created: 0, updated: 0, unchanged: 4, skipped: 0 });
    expect(rows('select * from subscribers order by id')).toEqual(before.subscribers);
    expect(count('select count(*) as n from consent_events')).toBe(before.events);

    // Known confirmed people are never downgraded by a confirmation-mail import either.
    const again = await uploadAndValidate('fixed.csv');
    const second = await runImport(again, { mode: 'confirmation' });
    expect(second.counts).toEqual({ created: 0, updated: 0, unchanged: 4, skipped: 0 });
    expect(count("select count(*) as n from subscribers where status = 'confirmed'")).toBe(4);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages).toHaveLength(0);
  });

  it('sends one confirmation mail per new address, and none on a re-import', async () => {
    const id = await uploadAndValidate('bom-comma.csv');
    const { counts } = await runImport(id, { mode: 'confirmation' });
    expect(counts).toEqual({ created: 2, updated: 0, unchanged: 0, skipped: 0 });
    const mails = await t.smtp.waitForCount(2);
    // The worker records "confirmation sent" right after the SMTP server accepted the mail.
    for (let i = 0; i < 50; i++) {
      if (count("select count(*) as n from consent_events where kind = 'confirmation_sent'") === 2)
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['anna@example.org', 'ben@example.org']);
    expect(
      rows("select status from subscribers where email in ('anna@example.org', 'ben@example.org')"),
    ).toEqual([{ status: 'unconfirmed' }, { status: 'unconfirmed' }]);
    expect(
      rows<{ kind: string }>(
        "select kind from consent_events e join subscribers s on s.id = e.subscriber_id where s.email = 'anna@example.org' order by e.id",
      ).map((e) => e.kind),
    ).toEqual(['signup', 'confirmation_sent']);

    const events = count('select count(*) as n from consent_events');
    const again = await uploadAndValidate('bom-comma.csv');
    const second = await runImport(again, { mode: 'confirmation' });
    expect(second.counts).toEqual({ created: 0, updated: 0, unchanged: 2, skipped: 0 });
    await new Promise((r) => setTimeout(r, 500));
    expect(t.smtp.messages).toHaveLength(2);
    expect(count('select count(*) as n from consent_events')).toBe(events);
  });

  it('upgrades unconfirmed people when the same file comes with a stated consent', async () => {
    const id = await uploadAndValidate('bom-comma.csv');
    const { counts } = await runImport(id, { mode: 'confirmed', consentSource: source });
    expect(counts).toEqual({ created: 0, updated: 2, unchanged: 0, skipped: 0 });
    expect(
      rows("select status from subscribers where email in ('anna@example.org', 'ben@example.org')"),
    ).toEqual([{ status: 'confirmed' }, { status: 'confirmed' }]);
    expect(
      rows<{ kind: string }>(
        "select kind from consent_events e join subscribers s on s.id = e.subscriber_id where s.email = 'ben@example.org' order by e.id",
      ).map((e) => e.kind),
    ).toEqual(['signup', 'confirmation_sent', 'signup', 'confirmed']);
  });

  it('shows a progress bar that refreshes itself while the job runs', async () => {
    const [done] = rows<{ id: number }>("select id from imports where status = 'done' limit 1");
    t.runtime.database.sqlite
      .prepare("update imports set status = 'running', processed_rows = 1 where id = ?")
      .run(done!.id);
    const page = await editor.get(`/admin/imports/${done!.id}`);
    expect(page.body).toContain('<meta http-equiv="refresh" content="2">');
    expect(page.body).toMatch(/<progress id="progress" max="\d+" value="1">/);
    const still = await editor.get(`/admin/imports/${done!.id}?refresh=off`);
    expect(still.body).not.toContain('http-equiv="refresh"');
    t.runtime.database.sqlite
      .prepare("update imports set status = 'done' where id = ?")
      .run(done!.id);
    expect(readdirSync(join(t.config.dataDir, 'imports')).length).toBeGreaterThan(0);
  });
});

describe('a malformed upload', () => {
  it('is a 400 with the message next to the file field, and nothing is stored', async () => {
    const before = importCount();
    const part = '--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n';
    const bodies: [string, string, string | Buffer][] = [
      ['no boundary', 'multipart/form-data', 'email\na@example.org\n'],
      ['cut off after a part header', 'multipart/form-data; boundary=x', part],
      ['cut off inside the file', 'multipart/form-data; boundary=x', `${part}email\na@example.org`],
      ['one NUL byte', 'multipart/form-data; boundary=x', Buffer.from([0])],
    ];
    for (const [what, type, payload] of bodies) {
      await editor.get('/admin/imports');
      const res = await t.app.inject({
        method: 'POST',
        url: `/admin/imports?_csrf=${encodeURIComponent(editor.csrf)}`,
        headers: { cookie: editor.jar.header(), accept: 'text/html', 'content-type': type },
        payload,
      });
      expect(res.statusCode, what).toBe(400);
      expect(res.body, what).toMatch(
        /id="file-error">.*Die Datei kam nicht vollständig an\. Bitte laden Sie sie noch einmal hoch\./,
      );
    }
    expect(importCount()).toBe(before);
  });
});
