/**
 * The multiplier page: an editor sees who brought whom by name (escaped), a viewer sees the
 * same counts with numbered people, and a period that is no period is said so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

let t: TestApp;
let editor: AdminClient;
let viewer: AdminClient;
const period = '/admin/multipliers?from=2026-01-01&to=2026-12-31';
const evil = 'Anna <script>alert(1)</script>';

/** The text of an element as shown (tags dropped, entities read, spaces folded). */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;|&quot;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
const element = (html: string, id: string) => {
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) return '';
  const tag = /^<?(\w+)/.exec(html.slice(html.lastIndexOf('<', at) + 1))?.[1] ?? 'div';
  return html.slice(html.indexOf('>', at) + 1, html.indexOf(`</${tag}>`, at));
};

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor');
  viewer = await loginAs(t, 'viewer');
  const sql = t.runtime.database.sqlite;
  const add = sql.prepare(
    `insert into subscribers (email, name, status, confirmed_at, source_kind, referred_by, region_key)
     values (?, ?, 'confirmed', ?, ?, ?, ?)`,
  );
  const anna = add.run(
    'anna@example.org',
    evil,
    Date.parse('2025-05-01'),
    'direct',
    null,
    '15085',
  ).lastInsertRowid;
  const bernd = add.run(
    'bernd@example.org',
    'Bernd',
    Date.parse('2026-03-01T10:00:00Z'),
    'referral',
    anna,
    null,
  ).lastInsertRowid;
  add.run(
    'clara@example.org',
    'Clara',
    Date.parse('2026-04-01T10:00:00Z'),
    'referral',
    bernd,
    null,
  );
  add.run('dora@example.org', 'Dora', Date.parse('2026-04-03T10:00:00Z'), 'code', null, null);
  // Eva registers for the meeting through Anna's recommendation without subscribing.
  const meeting = sql
    .prepare(
      "insert into events (type, title, starts_at, slug) values ('meeting', 'Best-Practice-Treffen', ?, 'treffen')",
    )
    .run(Date.parse('2026-09-01T08:00:00Z')).lastInsertRowid;
  sql
    .prepare(
      `insert into event_registrations (event_id, name, email, status, source_kind, referred_by, created_at)
       values (?, 'Eva <i>Ost</i>', 'eva@example.org', 'registered', 'referral', ?, ?)`,
    )
    .run(meeting, anna, Date.parse('2026-05-10T10:00:00Z'));
});

afterAll(async () => {
  await t?.close();
});

describe('/admin/multipliers', () => {
  it('shows an editor the people, their chain and the sources, names escaped', async () => {
    const page = await editor.get(period);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('Anna &lt;script&gt;alert(1)&lt;/script&gt;');
    const people = text(element(page.body, 'multipliers'));
    expect(people).toContain('Anna <script>alert(1)</script> Harz – 1 1');
    expect(people).toContain('Bernd – – 1 0');
    expect(text(element(page.body, 'multipliers-depth'))).toBe('Längste Kette: 3 Ebenen.');
    const start = page.body.indexOf('class="chain-tree"');
    const tree = page.body.slice(page.body.indexOf('>', start) + 1);
    expect(text(tree.slice(0, tree.indexOf('</section>')))).toBe(
      'Anna <script>alert(1)</script> Bernd Clara Eva <i>Ost</i> Veranstaltungsanmeldung Best-Practice-Treffen',
    );
    // Nested: Clara's list sits inside Bernd's item, inside Anna's; Eva is Anna's too.
    expect(tree).toMatch(
      /Anna[\s\S]*<ul>[\s\S]*Bernd[\s\S]*<ul>[\s\S]*Clara[\s\S]*<\/ul>[\s\S]*Eva[\s\S]*<\/ul>/,
    );
    // Eva has no subscriber page: her name is not a link, her entry is marked.
    expect(tree).toMatch(/<li class="chain-registration"><bdi>Eva &lt;i&gt;Ost&lt;\/i&gt;<\/bdi>/);
    expect(text(element(page.body, 'chain-1'))).toBe('Kette 1: 3 Ebenen, 3 gewonnen');
    const sources = text(element(page.body, 'sources'));
    expect(sources).toContain('Empfehlung 2');
    expect(sources).toContain('Flyer-/Kampagnencode 1');
    expect(sources).toContain('Direkt 0');
  });

  it('sums up a period with one sign-up in words that fit one', async () => {
    const page = await editor.get('/admin/multipliers?from=2026-03-01&to=2026-03-31');
    expect(text(element(page.body, 'multipliers-summary'))).toBe(
      '01.03.2026 bis 31.03.2026: bestätigte Newsletter-Anmeldungen: 1, davon über Empfehlungen: 1; Veranstaltungsanmeldungen über Empfehlungen: 0.',
    );
  });

  it('is linked from the subscriber list, for every role', async () => {
    const list = await viewer.get('/admin/subscribers');
    expect(list.body).toContain(
      '<a href="/admin/multipliers">Multiplikator*innen: wer wen gewonnen hat</a>',
    );
  });

  it('shows a viewer the same counts with numbered people and no names', async () => {
    const page = await viewer.get(period);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/Anna|Bernd|Clara|anna@|bernd@/);
    expect(text(element(page.body, 'multipliers'))).toContain('Person 1 Harz – 1 1');
    expect(page.body).not.toContain('Eva');
    expect(text(page.body)).toContain('Person 4 Veranstaltungsanmeldung Best-Practice-Treffen');
    expect(page.body).toContain('Namen sehen nur Redaktion und Administration');
    expect(page.body).not.toContain('href="/admin/subscribers/');
  });

  it('says so when the period is no period, and shows the default one', async () => {
    const page = await editor.get('/admin/multipliers?from=2026-02-30&to=2026-01-01');
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('Bitte zwei gültige Tage wählen');
    expect(page.body).toContain('aria-invalid="true"');
  });
});
