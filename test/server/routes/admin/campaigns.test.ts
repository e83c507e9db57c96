/**
 * Campaigns in the admin UI on the real runtime (web and workers in one process, Redis, a
 * recording SMTP server): an editor creates a campaign with problems shown next to the fields,
 * sees the count per region and role and the pre-send check, confirms and starts it once even
 * when clicking twice, and the page shows what was sent while the mail arrives; pause, resume,
 * cancel and sending the failed ones again; a viewer sees everything and changes nothing; every
 * change needs the form token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { sendCampaignTo, setUpSender } from '../../../helpers/campaign.js';
import { boerde, harz } from '../../../helpers/edition.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;
const cli: Actor = { kind: 'cli' };
let itemIds: number[];
let segmentHarz: number;
let segmentAll: number;
let nextPerson = 1;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];
const campaignRow = (id: number) =>
  sql<{ status: string; pause_reason: string | null }>(
    'select status, pause_reason from campaigns where id = ?',
    id,
  )[0];
const campaignCount = () => sql<{ n: number }>('select count(*) as n from campaigns')[0]!.n;

/** Confirmed people, alternately in Harz and Börde; every third a volunteer. */
function addPeople(n: number): string[] {
  const insert = t.runtime.database.sqlite.prepare(
    "insert into subscribers (email, name, region_key, language, status, confirmed_at) values (?, ?, ?, 'de', 'confirmed', ?)",
  );
  const role = t.runtime.database.sqlite.prepare(
    "insert into subscriber_roles (subscriber_id, role_key) values (?, 'volunteer')",
  );
  const emails: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = nextPerson++;
    const email = `person${k}@example.org`;
    const id = insert.run(email, `Person ${k}`, k % 2 ? harz : boerde, Date.now()).lastInsertRowid;
    if (k % 3 === 0) role.run(id);
    emails.push(email);
  }
  return emails;
}

function newEdition(title: string): number {
  const created = t.runtime.services.editions.create(
    { title, subject: `Landnetz: ${title}`, preheader: 'Neues aus dem Netz', items: itemIds },
    cli,
  );
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
  return created.edition.id;
}

/** The number shown in a counter box (`<dd data-count="sent">`) of the progress block. */
const shown = (html: string, key: string) =>
  new RegExp(`<dd data-count="${key}">([^<]*)</dd>`).exec(html)?.[1];

async function createCampaign(fields: Record<string, string | string[]>): Promise<number> {
  await editor.get('/admin/campaigns/new');
  const res = await editor.post('/admin/campaigns', fields);
  expect(res.statusCode).toBe(303);
  const id = Number(
    /^\/admin\/campaigns\/(\d+)\?notice=campaigns\.created$/.exec(
      res.headers.location as string,
    )?.[1],
  );
  expect(id).toBeGreaterThan(0);
  return id;
}

async function waitForStatus(id: number, status: string, timeout = 30_000) {
  await expect.poll(() => campaignRow(id)?.status, { timeout, interval: 100 }).toBe(status);
}

beforeAll(async () => {
  t = await startTestApp();
  const items = t.runtime.services.items;
  itemIds = [];
  for (const [type, title, regions] of [
    ['funding', 'Förderprogramm Land', []],
    ['counselling', 'Beratung Harz', [harz]],
  ] as const) {
    const r = items.create({ type, title, regions: [...regions] }, cli);
    if (r.kind !== 'saved') throw new Error('item');
    itemIds.push(r.item.id);
  }
  const segs = t.runtime.services.reference.segments;
  const all = segs.create({ name: 'Alle', description: '', match: 'all', rules: [] }, cli);
  const inHarz = segs.create(
    { name: 'Harz', description: '', match: 'all', rules: [{ field: 'region', values: [harz] }] },
    cli,
  );
  if (all.kind !== 'saved' || inHarz.kind !== 'saved') throw new Error('segment');
  segmentAll = all.segment.id;
  segmentHarz = inHarz.segment.id;
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('campaigns in the admin UI', () => {
  it('"Versand" follows "Beiträge" in the navigation; the empty list offers a new campaign', async () => {
    const res = await editor.get('/admin/campaigns');
    expect(res.statusCode).toBe(200);
    const nav = /<ul class="admin-nav">([\s\S]*?)<\/ul>/.exec(res.body)![1]!;
    const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(links.indexOf('/admin/campaigns')).toBe(links.indexOf('/admin/items') + 1);
    expect(nav).toContain('<a href="/admin/campaigns" aria-current="page">Versand</a>');
    expect(res.body).toContain('<h1>Versand</h1>');
    expect(res.body).toContain('Noch keine Kampagnen.');
    expect(res.body).toContain('<a href="/admin/campaigns/new">Neue Kampagne</a>');
    expect((await viewer.get('/admin/campaigns')).body).not.toContain('Neue Kampagne');
  });

  it('shows the problems next to their fields, keeps what was chosen and saves nothing', async () => {
    const editionId = newEdition('Formular');
    const form = await editor.get('/admin/campaigns/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/<select id="editionId" name="editionId"/);
    expect(form.body).toMatch(/>Nr\. \d+: Formular<\/option>/);
    expect(form.body).toMatch(/id="segmentIds-\d+" name="segmentIds"/);
    expect(form.body).toMatch(/id="scheduledAt" name="scheduledAt" type="datetime-local"/);
    expect(form.body).toMatch(/id="confirmedSince" name="confirmedSince" type="date"/);

    const before = campaignCount();
    const none = await editor.post('/admin/campaigns', { editionId: '' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toMatch(
      /<p class="error" id="editionId-error">.*Bitte wählen Sie eine Ausgabe\.<\/p>/,
    );
    expect(none.body).toMatch(
      /<p class="error" id="audience-error">.*Bitte wählen Sie mindestens ein Segment oder eine Liste\.<\/p>/,
    );
    expect(none.body).toContain('<a href="#editionId">Ausgabe: Bitte wählen Sie eine Ausgabe.</a>');
    expect(none.body).toMatch(/<title>Fehler: /);

    const past = await editor.post('/admin/campaigns', {
      editionId: String(editionId),
      segmentIds: String(segmentHarz),
      scheduledAt: '2020-01-01T10:00',
      confirmedSince: '2026-02-30',
    });
    expect(past.statusCode).toBe(400);
    expect(past.body).toMatch(/<p class="error" id="scheduledAt-error">.*in der Zukunft/);
    expect(past.body).toMatch(/<p class="error" id="confirmedSince-error">.*gültiges Datum/);
    expect(past.body).not.toContain('id="editionId-error"');
    expect(past.body).toMatch(new RegExp(`<option value="${editionId}" selected>`));
    expect(past.body).toMatch(new RegExp(`id="segmentIds-${segmentHarz}"[^>]* checked`));
    expect(past.body).toContain('value="2020-01-01T10:00"');
    expect(campaignCount()).toBe(before);
  });

  it('the pre-send check blocks the start and the page says why', async () => {
    addPeople(2);
    const id = await createCampaign({
      editionId: String(newEdition('Ohne Förderhinweis')),
      segmentIds: String(segmentAll),
    });
    // The organisation has no funder's line yet: every variant lacks it.
    const page = await editor.get(`/admin/campaigns/${id}`);
    // In German, with its values: the variant that lacks the funder line.
    expect(page.body).toMatch(
      /<li class="check-error"><strong>Fehler:<\/strong> Der Variante [^<]* fehlt der Hinweis auf die Förderung\.<\/li>/,
    );
    expect(page.body).toContain(
      '<p class="error" id="start-problem">Senden ist nicht möglich: Die Prüfung hat Fehler gefunden.',
    );
    expect(page.body).toMatch(/<button type="submit" disabled aria-describedby="start-problem">/);
    t.smtp.clear();
    const forced = await editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' });
    expect(forced.statusCode).toBe(409);
    expect(forced.body).toContain('id="start-problem"');
    expect(campaignRow(id)?.status).toBe('draft');

    setUpSender(t.runtime);
    const fixed = await editor.get(`/admin/campaigns/${id}`);
    expect(fixed.body).not.toContain('class="check-error"');
    expect(fixed.body).not.toContain('id="start-problem"');
    expect(t.smtp.messages).toHaveLength(0);
  });

  it('a viewer sees campaigns and their progress but cannot create, start or change one', async () => {
    addPeople(2);
    const id = await createCampaign({
      editionId: String(newEdition('Lesend')),
      segmentIds: String(segmentAll),
    });
    const list = await viewer.get('/admin/campaigns');
    expect(list.body).toContain(`href="/admin/campaigns/${id}"`);
    const page = await viewer.get(`/admin/campaigns/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Nach Region');
    expect(page.body).not.toContain(`action="/admin/campaigns/${id}/start"`);
    expect((await viewer.get(`/admin/campaigns/${id}/progress`)).statusCode).toBe(200);

    expect((await viewer.get('/admin/campaigns/new')).statusCode).toBe(403);
    expect((await viewer.get(`/admin/campaigns/${id}/cancel`)).statusCode).toBe(403);
    const before = campaignCount();
    const create = await viewer.post('/admin/campaigns', {
      editionId: '1',
      segmentIds: String(segmentAll),
    });
    expect(create.statusCode).toBe(403);
    expect(campaignCount()).toBe(before);
    for (const action of ['start', 'pause', 'resume', 'retry', 'cancel']) {
      const res = await viewer.post(`/admin/campaigns/${id}/${action}`, { confirm: 'yes' });
      expect(res.statusCode, action).toBe(403);
    }
    expect(campaignRow(id)?.status).toBe('draft');
  });

  it('every change needs the form token', async () => {
    addPeople(2);
    const editionId = newEdition('Token');
    await editor.get('/admin/campaigns/new');
    const before = campaignCount();
    const create = await editor.post(
      '/admin/campaigns',
      { editionId: String(editionId), segmentIds: String(segmentAll) },
      null,
    );
    expect(create.statusCode).toBe(403);
    expect(campaignCount()).toBe(before);

    const id = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentAll),
    });
    for (const action of ['start', 'cancel']) {
      const res = await editor.post(`/admin/campaigns/${id}/${action}`, { confirm: 'yes' }, null);
      expect(res.statusCode, action).toBe(403);
      const forged = await editor.post(`/admin/campaigns/${id}/${action}`, {
        confirm: 'yes',
        _csrf: 'forged',
      });
      expect(forged.statusCode, action).toBe(403);
    }
    expect(campaignRow(id)?.status).toBe('draft');
  });

  it('shows the count per region and role and the check; starts once after the confirmation; the mail arrives and the page shows it sent', async () => {
    const editionId = newEdition('Versand');
    // Earlier tests' people are confirmed too: take them into the count.
    addPeople(12);
    const harzPeople = sql<{ n: number }>(
      "select count(*) as n from subscribers where status = 'confirmed' and region_key = ?",
      harz,
    )[0]!.n;
    const id = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentHarz),
    });

    const page = await editor.get(`/admin/campaigns/${id}?notice=campaigns.created`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Die Kampagne ist angelegt.');
    expect(page.body).toContain(`${harzPeople} Personen bekommen diese Ausgabe.`);
    const byRegion = /<table class="data" id="by-region">[\s\S]*?<\/table>/.exec(page.body)![0];
    expect(byRegion).toMatch(
      new RegExp(`<th scope="row">Harz</th><td class="number">${harzPeople}</td>`),
    );
    expect(byRegion).not.toContain('Börde');
    const byRole = /<table class="data" id="by-role">[\s\S]*?<\/table>/.exec(page.body)![0];
    expect(byRole).toMatch(/<th scope="row">Ehrenamtlich engagiert<\/th><td class="number">\d+/);
    expect(byRole).toMatch(/<th scope="row">Ohne Rolle<\/th>/);
    expect(page.body).toContain('Prüfung vor dem Versand');
    expect(page.body).toContain(`Ich habe Anzahl (${harzPeople}) und Prüfung gesehen`);
    expect(page.body).toContain(`An ${harzPeople} Personen senden</button>`);
    expect(page.body).not.toContain('admin-campaigns.js');

    // Without the confirmation nothing starts; the problem stands next to the box.
    t.smtp.clear();
    const unconfirmed = await editor.post(`/admin/campaigns/${id}/start`, {});
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toMatch(
      /<p class="error" id="confirm-error">.*Bitte bestätigen Sie, dass Sie Anzahl und Prüfung gesehen haben\.<\/p>/,
    );
    expect(unconfirmed.body).toMatch(/id="confirm"[^>]*aria-invalid="true"/);
    expect(campaignRow(id)?.status).toBe('draft');

    // A double click: two posts of the same form; the campaign starts once.
    const [first, second] = await Promise.all([
      editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' }),
      editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' }),
    ]);
    expect([first.headers.location, second.headers.location].sort()).toEqual([
      `/admin/campaigns/${id}?notice=campaigns.started`,
      `/admin/campaigns/${id}?notice=campaigns.unchanged`,
    ]);
    await waitForStatus(id, 'sent');
    const mails = await t.smtp.waitForCount(harzPeople);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages).toHaveLength(harzPeople);
    const to = mails.flatMap((m) => m.envelopeTo);
    expect(new Set(to).size).toBe(harzPeople);
    expect(mails[0]!.subject).toBe('Landnetz: Versand');

    const sent = await editor.get(`/admin/campaigns/${id}`);
    expect(sent.body).toMatch(
      /<p id="campaign-status" aria-live="polite">Status: <strong[^>]*>Versendet<\/strong>/,
    );
    expect(sent.body).toContain('<dt>Gesendet</dt>');
    expect(shown(sent.body, 'sent')).toBe(String(harzPeople));
    expect(shown(sent.body, 'queued')).toBe('0');
    expect(sent.body).toMatch(
      new RegExp(`<progress id="campaign-progress" max="${harzPeople}" value="${harzPeople}">`),
    );
    // Finished: no polling script, no buttons that change it.
    expect(sent.body).not.toContain('admin-campaigns.js');
    expect(sent.body).not.toContain(`/admin/campaigns/${id}/pause`);

    const json = await editor.get(`/admin/campaigns/${id}/progress`, {
      accept: 'application/json',
    });
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body)).toMatchObject({
      status: 'sent',
      statusText: 'Versendet',
      finished: true,
      counts: { sent: String(harzPeople), queued: '0', failed: '0' },
      done: harzPeople,
      total: harzPeople,
    });

    const list = await editor.get('/admin/campaigns');
    const row = new RegExp(
      `<tr>(?:(?!</tr>)[\\s\\S])*href="/admin/campaigns/${id}"[\\s\\S]*?</tr>`,
    ).exec(list.body)![0];
    expect(row).toContain('Nr. ');
    expect(row).toContain(': Versand</a>');
    expect(row).toContain('Segmente: Harz');
    expect(row).toContain('>Versendet</span>');
    expect(row).toContain(`${harzPeople} von ${harzPeople} gesendet, 0 fehlgeschlagen`);
  }, 60_000);

  it('shows the reach of a sent campaign with people and machines in separate columns', async () => {
    const mail = t.smtp.messages[0]!;
    const pixel = /\/t\/o\/[A-Za-z0-9_-]+/.exec(mail.html ?? '')![0];
    const id = Number(
      t.runtime.database.sqlite
        .prepare('select campaign_id from deliveries where message_id = ?')
        .pluck()
        .get(mail.headers.get('message-id')),
    );
    t.runtime.database.sqlite
      .prepare('update deliveries set sent_at = ? where campaign_id = ?')
      .run(Date.now() - 60_000, id);
    const phone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
    await t.app.inject({ method: 'GET', url: pixel, headers: { 'user-agent': phone } });
    await t.app.inject({ method: 'GET', url: pixel, headers: { 'user-agent': 'Mozilla/5.0' } });
    await t.app.inject({ method: 'GET', url: pixel, headers: { 'user-agent': 'Mozilla/5.0' } });
    t.runtime.services.tracking.flush(Date.now() + 10_000);
    const page = (await editor.get(`/admin/campaigns/${id}`)).body;
    const table = /<table class="data" id="reach">[\s\S]*?<\/table>/.exec(page)![0];
    const cells = (label: string) =>
      new RegExp(`<th scope="row">${label}</th>((?:<td>[^<]*</td>)+)`)
        .exec(table)![1]!
        .match(/<td>([^<]*)<\/td>/g)!
        .map((c) => c.replace(/<\/?td>/g, ''));
    expect(table).toContain(
      '<th scope="col">Von Menschen</th><th scope="col">Von Maschinen</th><th scope="col">Verschiedene Personen</th>',
    );
    // One person, two machine opens (Apple's proxy); nobody here gave tracking consent.
    expect(cells('Öffnungen')).toEqual(['1', '2', '0']);
    expect(cells('Klicks')).toEqual(['0', '0', '0']);
  }, 30_000);

  it('offers "An Neue seit …" on a sent campaign: the form comes pre-filled, and only newcomers get the edition', async () => {
    const editionId = newEdition('Nachzügler');
    const first = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentAll),
    });
    await editor.post(`/admin/campaigns/${first}/start`, { confirm: 'yes' });
    await waitForStatus(first, 'sent');
    const page = await editor.get(`/admin/campaigns/${first}`);
    const link = /<a href="([^"]+)" id="newcomers">An Neue seit ([^<]+) senden<\/a>/.exec(
      page.body,
    );
    expect(link).not.toBeNull();
    const href = link![1]!.replace(/&amp;/g, '&');
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(
      Date.now(),
    );
    expect(href).toBe(
      `/admin/campaigns/new?editionId=${editionId}&segmentIds=${segmentAll}&confirmedSince=${today}`,
    );
    const form = await editor.get(href);
    expect(form.body).toMatch(new RegExp(`<option value="${editionId}" selected>`));
    expect(form.body).toMatch(new RegExp(`id="segmentIds-${segmentAll}"[^>]* checked`));
    expect(form.body).toContain(`value="${today}"`);

    const newcomers = addPeople(3);
    t.smtp.clear();
    const second = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentAll),
      confirmedSince: today,
    });
    const detail = await editor.get(`/admin/campaigns/${second}`);
    expect(detail.body).toContain('3 Personen bekommen diese Ausgabe.');
    expect(detail.body).toMatch(/\d+ haben diese Ausgabe schon bekommen und werden ausgelassen\./);
    await editor.post(`/admin/campaigns/${second}/start`, { confirm: 'yes' });
    await waitForStatus(second, 'sent');
    const mails = await t.smtp.waitForCount(3);
    expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual([...newcomers].sort());
  }, 60_000);

  it('queues the failed ones again; a cancelled campaign sends nothing', async () => {
    addPeople(1);
    const editionId = newEdition('Wiederholung');
    const id = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentHarz),
    });
    const total = t.runtime.services.campaigns.audience(id)!.total;
    t.smtp.clear();
    t.smtp.failNext(550, 'mailbox unavailable');
    await editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' });
    await waitForStatus(id, 'sent');
    const page = await editor.get(`/admin/campaigns/${id}`);
    expect(shown(page.body, 'failed')).toBe('1');
    expect(shown(page.body, 'sent')).toBe(String(total - 1));
    expect(page.body).toContain('>Fehlgeschlagene erneut senden (1)</button>');

    const retry = await editor.post(`/admin/campaigns/${id}/retry`);
    expect(retry.headers.location).toBe(`/admin/campaigns/${id}?notice=campaigns.retried`);
    // The failed delivery waits in the queue again and the campaign is sending again.
    expect(campaignRow(id)?.status).toBe('sending');
    const again = await editor.get(retry.headers.location as string);
    expect(again.body).toContain('Die fehlgeschlagenen Mails werden erneut gesendet.');
    expect(shown(again.body, 'failed')).toBe('0');
    expect(again.body).toMatch(/Status: <strong[^>]*>Wird versendet<\/strong>/);
    expect(again.body).not.toContain('Fehlgeschlagene erneut senden');
    // The retry delivers it: everybody has the mail once, nothing failed any more.
    await waitForStatus(id, 'sent');
    await t.smtp.waitForCount(total);
    expect(new Set(t.smtp.messages.flatMap((m) => m.envelopeTo)).size).toBe(total);
    expect(shown((await editor.get(`/admin/campaigns/${id}`)).body, 'failed')).toBe('0');

    // Cancel a draft through its confirm page.
    const draft = await createCampaign({
      editionId: String(newEdition('Abbruch')),
      segmentIds: String(segmentAll),
    });
    const question = await editor.get(`/admin/campaigns/${draft}/cancel`);
    expect(question.body).toContain('<h1>Kampagne abbrechen?</h1>');
    expect(question.body).toContain('>Ja, abbrechen</button>');
    t.smtp.clear();
    const cancelled = await editor.post(`/admin/campaigns/${draft}/cancel`);
    expect(cancelled.headers.location).toBe(`/admin/campaigns/${draft}?notice=campaigns.cancelled`);
    expect(campaignRow(draft)?.status).toBe('cancelled');
    const restart = await editor.post(`/admin/campaigns/${draft}/start`, { confirm: 'yes' });
    expect(restart.headers.location).toBe(`/admin/campaigns/${draft}?notice=campaigns.unchanged`);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.smtp.messages).toHaveLength(0);
    expect((await editor.get(`/admin/campaigns/${draft}`)).body).toMatch(
      /Status: <strong[^>]*>Abgebrochen<\/strong>/,
    );
  }, 60_000);

  it('pauses and resumes a sending campaign; the page names why it paused itself', async () => {
    const emails = addPeople(300);
    const editionId = newEdition('Pause');
    const id = await createCampaign({
      editionId: String(editionId),
      segmentIds: String(segmentAll),
    });
    const total = t.runtime.services.campaigns.audience(id)?.total ?? 0;
    expect(total).toBeGreaterThanOrEqual(emails.length);
    t.smtp.clear();
    await editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' });
    const paused = await editor.post(`/admin/campaigns/${id}/pause`);
    expect(paused.headers.location).toBe(`/admin/campaigns/${id}?notice=campaigns.paused`);
    expect(campaignRow(id)?.status).toBe('paused');
    const page = await editor.get(paused.headers.location as string);
    expect(page.body).toContain('Der Versand ist pausiert.');
    expect(page.body).toMatch(/Status: <strong[^>]*>Pausiert<\/strong>/);
    expect(page.body).toContain('>Fortsetzen</button>');
    expect(page.body).not.toContain('>Pausieren</button>');
    expect(page.body).toContain('<script src="/assets/admin-campaigns.js" defer></script>');
    expect(page.body).toContain(`<a href="/admin/campaigns/${id}" id="refresh">Aktualisieren</a>`);
    const json = await editor.get(`/admin/campaigns/${id}/progress`, {
      accept: 'application/json',
    });
    expect(JSON.parse(json.body)).toMatchObject({
      status: 'paused',
      statusText: 'Pausiert',
      finished: false,
      timeLeft: '–',
      total,
    });

    expect((await editor.post(`/admin/campaigns/${id}/resume`)).headers.location).toBe(
      `/admin/campaigns/${id}?notice=campaigns.resumed`,
    );
    // The campaign pauses itself the way the failure check does it.
    const system: Actor = { kind: 'system', task: 'campaigns' };
    await t.runtime.services.campaigns.pause(id, system, '12 of 40 deliveries failed');
    const self = await editor.get(`/admin/campaigns/${id}`);
    expect(self.body).toContain(
      'Die Kampagne hat sich selbst angehalten: 12 of 40 deliveries failed',
    );
    await editor.post(`/admin/campaigns/${id}/resume`);
    await waitForStatus(id, 'sent', 60_000);
    await t.smtp.waitForCount(total, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.smtp.messages).toHaveLength(total);
    expect(new Set(t.smtp.messages.flatMap((m) => m.envelopeTo)).size).toBe(total);
    expect(campaignRow(id)?.pause_reason).toBeNull();
  }, 90_000);

  it('schedules a campaign for a Berlin wall-clock time and shows when it will go out', async () => {
    const id = await createCampaign({
      editionId: String(newEdition('Geplant')),
      segmentIds: String(segmentHarz),
      scheduledAt: '2030-07-01T10:00',
    });
    // Summer time in Berlin: 10:00 there is 08:00 UTC.
    expect(
      sql<{ scheduled_at: number }>('select scheduled_at from campaigns where id = ?', id)[0]!
        .scheduled_at,
    ).toBe(Date.UTC(2030, 6, 1, 8, 0));
    const page = await editor.get(`/admin/campaigns/${id}`);
    expect(page.body).toContain('<h2 id="start-heading">Zeitversand planen</h2>');
    expect(page.body).toContain('>Für 01.07.2030, 10:00 planen</button>');
    t.smtp.clear();
    const res = await editor.post(`/admin/campaigns/${id}/start`, { confirm: 'yes' });
    expect(res.headers.location).toBe(`/admin/campaigns/${id}?notice=campaigns.scheduled`);
    expect(campaignRow(id)?.status).toBe('scheduled');
    const scheduled = await editor.get(res.headers.location as string);
    expect(scheduled.body).toContain('Der Zeitversand ist geplant.');
    expect(scheduled.body).toMatch(
      /Status: <strong>Geplant<\/strong> – geplant für 01\.07\.2030, 10:00/,
    );
    expect(scheduled.body).not.toContain(`action="/admin/campaigns/${id}/start"`);
    await editor.post(`/admin/campaigns/${id}/cancel`);
    expect(campaignRow(id)?.status).toBe('cancelled');
    expect(t.smtp.messages).toHaveLength(0);
  });

  it('lists the deliveries with their status and the relay that took each mail, 50 a page', async () => {
    setUpSender(t.runtime);
    const emails = Array.from({ length: 3 }, (_, i) => `ledger${i}@example.org`);
    // Enough people for a second page (earlier tests' people get it too).
    addPeople(60);
    const id = await sendCampaignTo(t.runtime, emails);
    const total = sql<{ n: number }>(
      "select count(*) as n from deliveries where campaign_id = ? and status = 'sent'",
      id,
    )[0]!.n;
    expect(total).toBeGreaterThan(50);
    const relay = new URL(t.smtp.url).host;

    /** The rows of the delivery table, each as its cells' texts. */
    const ledgerRows = (html: string) => {
      const table = /<table class="data" id="deliveries">[\s\S]*?<\/table>/.exec(html)![0];
      const head = [...table.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
      expect(head).toEqual(['E-Mail-Adresse', 'Status', 'Relay', 'Gesendet um', 'Grund']);
      return [...table.matchAll(/<tr>\s*<td>([\s\S]*?)<\/td>\s*<\/tr>/g)].map((m) =>
        m[1]!.split(/<\/td>\s*<td>/).map((cell) => cell.replace(/<[^>]+>/g, '')),
      );
    };

    const first = await viewer.get(`/admin/campaigns/${id}`);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('<h2 id="deliveries-heading" tabindex="-1">Zustellungen</h2>');
    const rows = ledgerRows(first.body);
    expect(rows).toHaveLength(50);
    for (const [, status, shownRelay, sentAt] of rows) {
      expect(status).toBe('Gesendet');
      expect(shownRelay).toBe(relay);
      expect(sentAt).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);
    }
    const next = /<a href="([^"]+)" rel="next">Nächste Seite<\/a>/.exec(first.body)?.[1];
    expect(next).toMatch(new RegExp(`^/admin/campaigns/${id}\\?after=\\d+#deliveries-heading$`));
    expect(first.body).not.toContain('Zur ersten Seite');

    // The following pages up to the last, each back to the first.
    const all = [...rows];
    let url: string | undefined = next;
    let last = first.body;
    while (url) {
      last = (await viewer.get(url.replace(/#.*/, ''))).body;
      const page = ledgerRows(last);
      expect(page.length).toBeGreaterThan(0);
      expect(page.length).toBeLessThanOrEqual(50);
      all.push(...page);
      expect(last).toContain(
        `<a href="/admin/campaigns/${id}#deliveries-heading">Zur ersten Seite</a>`,
      );
      url = /<a href="([^"]+)" rel="next">/.exec(last)?.[1];
    }
    expect(all).toHaveLength(total);
    expect(new Set(all.map((r) => r[0])).size).toBe(total);
    for (const email of emails)
      expect(all.find((r) => r[0] === email)?.slice(1, 3)).toEqual(['Gesendet', relay]);
    // Each address leads to the person.
    const email = rows[0]![0]!;
    const person = sql<{ id: number }>('select id from subscribers where email = ?', email)[0]!.id;
    expect(first.body).toContain(`<td><a href="/admin/subscribers/${person}">${email}</a></td>`);
  }, 60_000);

  it('answers 404 for a campaign that does not exist', async () => {
    expect((await editor.get('/admin/campaigns/99999')).statusCode).toBe(404);
    expect((await editor.get('/admin/campaigns/x')).statusCode).toBe(404);
    await editor.get('/admin/campaigns');
    expect((await editor.post('/admin/campaigns/99999/start', { confirm: 'yes' })).statusCode).toBe(
      404,
    );
  });
});
