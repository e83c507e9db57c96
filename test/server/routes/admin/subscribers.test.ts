import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp;
let admin: AdminClient;
let editor: AdminClient;
let viewer: AdminClient;

const sql = <T = Record<string, unknown>>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

let seq = 0;
/** A subscriber straight into the tables (what a long-running installation already holds). */
function seed(
  fields: {
    email?: string;
    name?: string;
    region?: string | null;
    roles?: string[];
    status?: string;
    createdAt?: number;
    confirmedAt?: number | null;
  } = {},
): number {
  seq++;
  const createdAt = fields.createdAt ?? Date.UTC(2026, 0, 1) + seq * 60_000;
  const status = fields.status ?? 'confirmed';
  const confirmedAt =
    fields.confirmedAt !== undefined
      ? fields.confirmedAt
      : status === 'confirmed'
        ? createdAt + 1000
        : null;
  const db = t.runtime.database.sqlite;
  const { id } = db
    .prepare(
      `insert into subscribers (email, name, region_key, status, created_at, confirmed_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?) returning id`,
    )
    .get(
      fields.email ?? `person${seq}@example.org`,
      fields.name ?? `Person ${seq}`,
      fields.region === undefined ? '15003' : fields.region,
      status,
      createdAt,
      confirmedAt,
      createdAt,
    ) as { id: number };
  for (const role of fields.roles ?? [])
    db.prepare('insert into subscriber_roles (subscriber_id, role_key) values (?, ?)').run(
      id,
      role,
    );
  const listId = (db.prepare('select id from lists order by id limit 1').get() as { id: number })
    .id;
  db.prepare(
    'insert into subscriptions (subscriber_id, list_id, status, created_at) values (?, ?, ?, ?)',
  ).run(id, listId, status === 'confirmed' ? 'confirmed' : 'unconfirmed', createdAt);
  return id;
}

/** Subscriber ids linked from the list table, in page order. */
const idsOnPage = (html: string) =>
  [...html.matchAll(/<td><a href="\/admin\/subscribers\/(\d+)">/g)].map((m) => Number(m[1]));
const nextLink = (html: string) =>
  /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replace(/&amp;/g, '&');

const listId = () => sql<{ id: number }>('select id from lists order by id limit 1')[0]!.id;

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin', 'admin@landpost.test');
  editor = await loginAs(t, 'editor', 'editor@landpost.test');
  viewer = await loginAs(t, 'viewer', 'viewer@landpost.test');
});

afterAll(async () => {
  await t?.close();
});

describe('subscriber list', () => {
  let harzVolunteer: number;
  let harzStaff: number;
  let magdeburgVolunteer: number;
  let zora: number;

  beforeAll(() => {
    harzVolunteer = seed({ region: '15085', roles: ['volunteer'], name: 'Anna Harz' });
    harzStaff = seed({ region: '15085', roles: ['staff'], email: 'staff.harz@example.org' });
    magdeburgVolunteer = seed({ region: '15003', roles: ['volunteer'] });
    zora = seed({ region: '15085', roles: ['volunteer', 'staff'], name: 'Zora Beispiel' });
  });

  it('filters by region and role and shows the count', async () => {
    const res = await viewer.get('/admin/subscribers?region=15085&role=volunteer');
    expect(res.statusCode).toBe(200);
    const ids = idsOnPage(res.body);
    expect(ids).toContain(harzVolunteer);
    expect(ids).toContain(zora);
    expect(ids).not.toContain(harzStaff);
    expect(ids).not.toContain(magdeburgVolunteer);
    expect(res.body).toContain('2 Treffer');
    // The form shows the filter again.
    expect(res.body).toMatch(/<option value="15085" selected>Harz<\/option>/);
  });

  it('searches e-mail and name', async () => {
    const byName = await viewer.get('/admin/subscribers?q=zora');
    expect(idsOnPage(byName.body)).toEqual([zora]);
    const byEmail = await viewer.get('/admin/subscribers?q=STAFF.harz@');
    expect(idsOnPage(byEmail.body)).toEqual([harzStaff]);
  });

  it('a search with control characters: the list, with a message next to the search field', async () => {
    for (const q of ['%00%00%00', 'zora%00', '%1B%1B%1B']) {
      const res = await viewer.get(`/admin/subscribers?q=${q}`);
      expect(res.statusCode, q).toBe(200);
      expect(res.body).toMatch(
        /<input id="q" name="q" type="search" value="[^"]*" aria-invalid="true" aria-describedby="q-error">/,
      );
      expect(res.body).toMatch(
        /id="q-error">.*Der Suchbegriff darf keine Steuerzeichen enthalten\./,
      );
    }
    const found = await viewer.get('/admin/subscribers?q=zora');
    expect(found.body).not.toContain('q-error');
  });

  it('exports nothing for a filter with errors: the list with the messages instead', async () => {
    for (const q of ['q=%00%00%00', 'created_from=31.12.2026']) {
      const res = await editor.get(`/admin/subscribers/export.csv?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('aria-invalid="true"');
    }
    expect(
      sql("select id from audit_log where action = 'export' and entity = 'subscribers'"),
    ).toEqual([]);
  });

  it('pages with a cursor: every subscriber once, in order, for each sort', async () => {
    // Ties on the sort key (same creation time, same confirmation time, unconfirmed ones).
    const tie = Date.UTC(2026, 1, 1);
    for (let i = 0; i < 9; i++) seed({ createdAt: tie, confirmedAt: tie + 5 });
    for (let i = 0; i < 6; i++) seed({ status: 'unconfirmed' });
    const all = sql<{ id: number; email: string; created_at: number; confirmed_at: number | null }>(
      'select id, email, created_at, confirmed_at from subscribers',
    );
    const expected: Record<string, number[]> = {
      'sort=created&dir=desc': [...all]
        .sort((a, b) => b.created_at - a.created_at || b.id - a.id)
        .map((r) => r.id),
      'sort=email&dir=asc': [...all]
        .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : a.id - b.id))
        .map((r) => r.id),
      'sort=confirmed&dir=desc': [...all]
        .sort((a, b) => (b.confirmed_at ?? -1) - (a.confirmed_at ?? -1) || b.id - a.id)
        .map((r) => r.id),
      'sort=confirmed&dir=asc': [...all]
        .sort((a, b) => (a.confirmed_at ?? -1) - (b.confirmed_at ?? -1) || a.id - b.id)
        .map((r) => r.id),
    };
    for (const [params, ids] of Object.entries(expected)) {
      const seen: number[] = [];
      let url: string | undefined = `/admin/subscribers?${params}&limit=4`;
      let pages = 0;
      while (url) {
        const res = await viewer.get(url);
        expect(res.statusCode).toBe(200);
        const onPage = idsOnPage(res.body);
        expect(onPage.length).toBeLessThanOrEqual(4);
        seen.push(...onPage);
        url = nextLink(res.body);
        expect(++pages).toBeLessThan(50);
      }
      expect(seen, params).toEqual(ids);
    }
  });

  it('a tampered cursor shows the first page', async () => {
    const anySort = [
      'after=99999999999999999999&key=1',
      'after=-1&key=1',
      'after=1.5&key=1',
      'after=abc&key=1',
    ];
    const numberKey = [
      'after=1&key=%7B%22a%22%3A1%7D',
      'after=1&key=true',
      'after=1&key=1.5',
      'after=1&key=99999999999999999999999',
    ];
    const tampered: Record<string, string[]> = {
      // Without a key: for the confirmation time that is "not confirmed", a real cursor.
      created: [...anySort, ...numberKey, 'after=5'],
      confirmed: [...anySort, ...numberKey],
      email: [...anySort, 'after=5'],
    };
    for (const [sort, cursors] of Object.entries(tampered)) {
      const first = idsOnPage((await viewer.get(`/admin/subscribers?sort=${sort}&limit=3`)).body);
      expect(first).toHaveLength(3);
      for (const cursor of cursors) {
        const res = await viewer.get(`/admin/subscribers?sort=${sort}&limit=3&${cursor}`);
        expect(res.statusCode, `${sort} ${cursor}`).toBe(200);
        expect(idsOnPage(res.body), `${sort} ${cursor}`).toEqual(first);
      }
    }
  });

  it('a list id that does not exist: a message next to the list filter', async () => {
    for (const list of ['999', 'abc']) {
      const res = await viewer.get(`/admin/subscribers?list=${list}`);
      expect(res.statusCode, list).toBe(200);
      expect(res.body).toMatch(/<select id="f-list" name="list" aria-invalid="true"/);
      expect(res.body).toMatch(/id="f-list-error">.*Diese Liste gibt es nicht \(mehr\)\./);
    }
    const known = await viewer.get(`/admin/subscribers?list=${listId()}`);
    expect(known.body).not.toContain('f-list-error');
  });

  it('caps the page size at 200 and ignores nonsense parameters', async () => {
    const res = await viewer.get(
      '/admin/subscribers?limit=99999&sort=drop&dir=sideways&after=x&key=%27&status=nope',
    );
    expect(res.statusCode).toBe(200);
    const bad = await viewer.get('/admin/subscribers?created_from=31.12.2026');
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain('aria-invalid="true"');
  });
});

describe('detail, edit and actions', () => {
  it('adds a person who consented on paper, confirmed with the proof', async () => {
    const res = await editor.post('/admin/subscribers', {
      email: 'Paper@Example.org',
      name: 'Paula Papier',
      region: '15085',
      roles: ['volunteer'],
      language: 'de',
      lists: String(listId()),
      method: 'paper',
      event: 'Fachtag Integration Halberstadt',
      event_date: '2026-03-14',
    });
    expect(res.statusCode).toBe(303);
    const id = Number(/\/admin\/subscribers\/(\d+)/.exec(res.headers.location as string)![1]);
    const [row] = sql<{ status: string; email: string; confirmed_at: number | null }>(
      'select status, email, confirmed_at from subscribers where id = ?',
      id,
    );
    expect(row).toMatchObject({ status: 'confirmed', email: 'paper@example.org' });
    expect(row!.confirmed_at).toBeGreaterThan(0);
    const events = sql<{ kind: string; channel: string; details: string }>(
      'select kind, channel, details from consent_events where subscriber_id = ? order by id',
      id,
    );
    expect(events.map((e) => e.kind)).toEqual(['signup', 'confirmed']);
    expect(JSON.parse(events[0]!.details)).toMatchObject({
      paperConsent: true,
      event: 'Fachtag Integration Halberstadt',
      eventDate: '2026-03-14',
      enteredBy: 'editor@landpost.test',
    });
    expect(events[1]!.channel).toBe('paper');
    expect(sql('select status from subscriptions where subscriber_id = ?', id)).toEqual([
      { status: 'confirmed' },
    ]);

    const detail = await viewer.get(`/admin/subscribers/${id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('Einwilligungsverlauf');
    expect(detail.body).toContain('Anmeldung');
    expect(detail.body).toContain('Veranstaltung: Fachtag Integration Halberstadt');
    expect(detail.body).toContain('Erfasst von: editor@landpost.test');
    expect(detail.body).toContain('<td>paper</td>');
    expect(detail.body).toContain('Noch keine Zustellungen erfasst.');
    // The audit entry of the creation shows on the record.
    expect(detail.body).toMatch(/<td>editor@landpost\.test<\/td><td>angelegt<\/td>/);
  });

  it('re-renders the add form with messages next to the fields', async () => {
    const res = await editor.post('/admin/subscribers', {
      email: 'not-an-address',
      name: 'Keep Me',
      lists: String(listId()),
      method: 'paper',
      event: '',
      event_date: '2999-01-01',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="email"[^>]*aria-describedby="email-error" aria-invalid="true"/);
    expect(res.body).toContain('id="event-error"');
    expect(res.body).toContain('id="event_date-error"');
    expect(res.body).toContain('value="Keep Me"');
    expect(res.body).toContain('value="not-an-address"');
  });

  it('sends the confirmation mail when that is chosen', async () => {
    const res = await editor.post('/admin/subscribers', {
      email: 'by-mail@example.org',
      language: 'de',
      lists: String(listId()),
      method: 'mail',
    });
    expect(res.statusCode).toBe(303);
    const mail = await t.smtp.waitFor((m) => m.to.includes('by-mail@example.org'));
    expect(mail.text).toContain('/confirm/');
    const [event] = sql<{ kind: string; channel: string; source: string }>(
      `select e.kind, e.channel, e.source from consent_events e join subscribers s on s.id = e.subscriber_id
       where s.email = 'by-mail@example.org'`,
    );
    expect(event).toMatchObject({
      kind: 'signup',
      channel: 'admin',
      source: 'admin:editor@landpost.test',
    });
    const [row] = sql<{ status: string }>(
      "select status from subscribers where email = 'by-mail@example.org'",
    );
    expect(row!.status).toBe('unconfirmed');
  });

  it("a new person without a chosen language gets their list's default language", async () => {
    const setDefault = (code: string) =>
      t.runtime.database.sqlite
        .prepare('update lists set default_language = ? where id = ?')
        .run(code, listId());
    setDefault('en');
    try {
      const form = await editor.get('/admin/subscribers/new');
      expect(form.body).toMatch(/<option value="en" lang="en" selected>/);
      const res = await editor.post('/admin/subscribers', {
        email: 'english@example.org',
        lists: String(listId()),
        method: 'mail',
      });
      expect(res.statusCode).toBe(303);
      expect(sql("select language from subscribers where email = 'english@example.org'")).toEqual([
        { language: 'en' },
      ]);
      // The confirmation mail speaks the person's language.
      const mail = await t.smtp.waitFor((m) => m.to.includes('english@example.org'));
      expect(mail.html).toContain('lang="en"');
    } finally {
      setDefault('de');
    }
  });

  it('edits the profile and lists: the row changes, consent and audit are recorded', async () => {
    const id = seed({ region: '15003', roles: ['staff'], name: 'Old Name' });
    const form = await editor.get(`/admin/subscribers/${id}/edit`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Old Name"');
    const res = await editor.post(`/admin/subscribers/${id}`, {
      name: 'New Name',
      region: '15085',
      roles: ['volunteer'],
      topics: ['funding'],
      language: 'en',
      tracking: 'yes',
      lists: String(listId()),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/subscribers/${id}?notice=subscribers.saved`);
    const [row] = sql(
      'select name, region_key, language, tracking_consent from subscribers where id = ?',
      id,
    );
    expect(row).toEqual({
      name: 'New Name',
      region_key: '15085',
      language: 'en',
      tracking_consent: 1,
    });
    expect(sql('select role_key from subscriber_roles where subscriber_id = ?', id)).toEqual([
      { role_key: 'volunteer' },
    ]);
    const kinds = sql<{ kind: string; channel: string }>(
      'select kind, channel from consent_events where subscriber_id = ? order by id',
      id,
    );
    expect(kinds).toEqual([
      { kind: 'preferences_changed', channel: 'admin' },
      { kind: 'tracking_granted', channel: 'admin' },
    ]);
    const [entry] = sql<{ action: string; actor: string; details: string }>(
      "select action, actor, details from audit_log where entity = 'subscriber' and entity_id = ?",
      String(id),
    );
    expect(entry).toMatchObject({ action: 'update', actor: 'editor@landpost.test' });
    expect(JSON.parse(entry!.details).changed).toEqual(
      expect.arrayContaining(['name', 'region', 'roles', 'topics', 'language', 'tracking']),
    );
    const page = await editor.get(`/admin/subscribers/${id}?notice=subscribers.saved`);
    expect(page.body).toContain('role="status"><p>Die Änderungen sind gespeichert.');
  });

  it('keeps the values and shows errors when an edit is invalid', async () => {
    const id = seed();
    const res = await editor.post(`/admin/subscribers/${id}`, {
      name: 'Bad <b>name</b>',
      region: 'atlantis',
      language: 'de',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="name-error"');
    expect(res.body).toContain('id="region-error"');
    expect(res.body).toContain('id="lists-error"');
    expect(res.body).toContain('value="Bad &lt;b&gt;name&lt;/b&gt;"');
  });

  it('blocks: status blocked, and a new sign-up of the address changes nothing', async () => {
    const id = seed({ email: 'blocked@example.org', status: 'unconfirmed', name: 'Blocked' });
    const res = await editor.post(`/admin/subscribers/${id}/block`);
    expect(res.statusCode).toBe(303);
    expect(sql('select status, name from subscribers where id = ?', id)).toEqual([
      { status: 'blocked', name: 'Blocked' },
    ]);
    const before = t.smtp.messages.length;
    const outcome = await t.app.services.subscribers.signup.signUp({
      email: 'blocked@example.org',
      profile: {
        name: 'Changed',
        regionKey: null,
        roleKeys: [],
        topicKeys: [],
        language: 'de',
        trackingConsent: false,
      },
      meta: { channel: 'web' },
    });
    expect(outcome).toBe('blocked');
    expect(sql('select status, name from subscribers where id = ?', id)).toEqual([
      { status: 'blocked', name: 'Blocked' },
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages.length).toBe(before);
    expect(
      sql("select action from audit_log where entity_id = ? and action = 'block'", String(id)),
    ).toHaveLength(1);
  });

  it('unsubscribes from all lists (the person on no list is erased, the proof stays)', async () => {
    const id = seed({ email: 'leaving@example.org' });
    const res = await editor.post(`/admin/subscribers/${id}/unsubscribe`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/subscribers?notice=subscribers.erased');
    expect(sql('select id from subscribers where id = ?', id)).toEqual([]);
    expect(sql('select kind, channel from consent_events where subscriber_id = ?', id)).toEqual([
      { kind: 'unsubscribed', channel: 'admin' },
    ]);
  });

  it('deletes only after the confirmation box, keeping the erasure record', async () => {
    const id = seed({ email: 'erase-me@example.org' });
    const refused = await editor.post(`/admin/subscribers/${id}/delete`);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="confirm-error"');
    expect(sql('select id from subscribers where id = ?', id)).toHaveLength(1);
    const res = await editor.post(`/admin/subscribers/${id}/delete`, { confirm: 'yes' });
    expect(res.statusCode).toBe(303);
    expect(sql('select id from subscribers where id = ?', id)).toEqual([]);
    expect(sql('select kind from consent_events where subscriber_id = ?', id)).toEqual([
      { kind: 'erased' },
    ]);
    expect(
      sql("select action from audit_log where entity_id = ? and action = 'erase'", String(id)),
    ).toHaveLength(1);
    expect((await editor.get(`/admin/subscribers/${id}`)).statusCode).toBe(404);
  });

  it("exports one person's data as JSON", async () => {
    const id = seed({ email: 'export-me@example.org' });
    const res = await editor.get(`/admin/subscribers/${id}/export.json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.json().subscriber.email).toBe('export-me@example.org');
  });
});

describe('CSV exports', () => {
  it('exports the current filter with formulas neutralised', async () => {
    seed({
      email: 'formula@example.org',
      name: '=HYPERLINK("http://evil.example","klick")',
      region: '15090',
      roles: ['volunteer', 'staff'],
    });
    const res = await editor.get('/admin/subscribers/export.csv?region=15090');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('email,name,status,region,roles,topics,language,lists,created,confirmed');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(
      `formula@example.org,"'=HYPERLINK(""http://evil.example"",""klick"")",confirmed,Stendal,`,
    );
    expect(lines[1]).toMatch(/,"(volunteer; staff|staff; volunteer)",/);
    expect(lines[1]).toContain(',de,Newsletter,2026-');
    expect(
      sql(
        "select action, entity from audit_log where action = 'export' and entity = 'subscribers'",
      ),
    ).toHaveLength(1);
  });

  it('exports consent records, with the address only while the person exists', async () => {
    const kept = seed({ email: 'kept@example.org' });
    const gone = seed({ email: 'gone@example.org' });
    await editor.post(`/admin/subscribers/${gone}/delete`, { confirm: 'yes' });
    await editor.post(`/admin/subscribers/${kept}/block`);
    const res = await editor.get('/admin/consent.csv');
    expect(res.statusCode).toBe(200);
    const lines = res.body.split('\r\n');
    expect(lines[0]).toContain('id,at,kind,subscriber_id,email,email_hash');
    const goneLine = lines.find((l) => l.includes(`,erased,${gone},`))!;
    expect(goneLine).toBeDefined();
    expect(goneLine).not.toContain('gone@example.org');
    expect(goneLine).toMatch(new RegExp(`,erased,${gone},,[0-9a-f]{16,}`));
  });
});

describe('permissions and CSRF', () => {
  it('a viewer sees list and detail without change buttons', async () => {
    const id = seed();
    const list = await viewer.get('/admin/subscribers');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('/admin/subscribers/new');
    expect(list.body).not.toContain('export.csv');
    const detail = await viewer.get(`/admin/subscribers/${id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('method="post" action="/admin/subscribers/');
    expect(detail.body).not.toContain(`/admin/subscribers/${id}/edit`);
    const asEditor = await editor.get(`/admin/subscribers/${id}`);
    expect(asEditor.body).toContain(`action="/admin/subscribers/${id}/delete"`);
  });

  it('a viewer gets 403 on changes and exports', async () => {
    const id = seed();
    for (const path of ['', '/block', '/unsubscribe', '/delete']) {
      const res = await viewer.post(`/admin/subscribers/${id}${path}`, {
        confirm: 'yes',
        name: 'x',
      });
      expect(res.statusCode, path).toBe(403);
    }
    expect((await viewer.post('/admin/subscribers', { email: 'v@example.org' })).statusCode).toBe(
      403,
    );
    for (const url of [
      '/admin/subscribers/export.csv',
      '/admin/consent.csv',
      `/admin/subscribers/${id}/export.json`,
      '/admin/subscribers/new',
      `/admin/subscribers/${id}/edit`,
    ]) {
      expect((await viewer.get(url)).statusCode, url).toBe(403);
    }
    expect(sql('select status from subscribers where id = ?', id)).toEqual([
      { status: 'confirmed' },
    ]);
  });

  it('refuses a POST without the CSRF token', async () => {
    const id = seed();
    const res = await admin.post(`/admin/subscribers/${id}/block`, {}, null);
    expect(res.statusCode).toBe(403);
    expect(sql('select status from subscribers where id = ?', id)).toEqual([
      { status: 'confirmed' },
    ]);
  });
});
