/** With more than one public list the sign-up form lets a person choose; private lists never show. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { postSignup, rows } from '../_flow.js';

let t: TestApp;
let harzId: number;
let privateId: number;
let singleId: number;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  const insert = t.runtime.database.sqlite.prepare(
    'insert into lists (key, name, description, is_public) values (?, ?, ?, ?) returning id',
  );
  harzId = (insert.get('harz', 'Harz aktuell', 'Termine im Landkreis Harz', 1) as { id: number })
    .id;
  privateId = (insert.get('team', 'Team intern', '', 0) as { id: number }).id;
  singleId = (insert.get('intern', 'Netzwerk intern', 'Für Partner', 1) as { id: number }).id;
  t.runtime.database.sqlite
    .prepare('update lists set double_opt_in = 0 where id = ?')
    .run(singleId);
});
afterAll(async () => {
  await t?.close();
});

describe('list choice on the sign-up form', () => {
  it('shows the public lists, not the private one', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(page.body).toContain(`id="list-${harzId}"`);
    expect(page.body).toContain('Termine im Landkreis Harz');
    expect(page.body).not.toContain('Team intern');
  });

  it('asks for at least one list, keeping the other answers', async () => {
    const res = await postSignup(t, { email: 'nolist@example.org' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="lists-error"');
    expect(res.body).toContain('value="nolist@example.org"');
    expect(rows(t, "select * from subscribers where email = 'nolist@example.org'")).toHaveLength(0);
  });

  it('subscribes to the chosen public list only; a private list id is ignored', async () => {
    const res = await postSignup(t, {
      email: 'harz@example.org',
      lists: [String(harzId), String(privateId)],
    });
    expect(res.statusCode).toBe(200);
    const subs = rows<{ list_id: number }>(
      t,
      "select list_id from subscriptions where subscriber_id = (select id from subscribers where email = 'harz@example.org')",
    );
    expect(subs.map((s) => s.list_id)).toEqual([harzId]);
    const [signup] = rows<{ list_ids: string }>(
      t,
      "select list_ids from consent_events where kind = 'signup' and subscriber_id = (select id from subscribers where email = 'harz@example.org')",
    );
    expect(JSON.parse(signup!.list_ids)).toEqual([harzId]);
  });

  it('a list with double opt-in switched off confirms at once and sends the welcome mail', async () => {
    const res = await postSignup(t, { email: 'partner@example.org', lists: [String(singleId)] });
    expect(res.statusCode).toBe(200);
    const mail = await t.smtp.waitFor((m) => m.to.includes('partner@example.org'));
    expect(mail.subject).toMatch(/Willkommen/);
    const [row] = rows<{ id: number; status: string }>(
      t,
      "select id, status from subscribers where email = 'partner@example.org'",
    );
    expect(row!.status).toBe('confirmed');
    const events = rows<{ kind: string; channel: string }>(
      t,
      'select kind, channel from consent_events where subscriber_id = ? order by id',
      row!.id,
    );
    expect(events.map((e) => e.kind)).toEqual(['signup', 'tracking_granted', 'confirmed']);
    expect(events.at(-1)!.channel).toBe('single-opt-in');
  });

  it('a mix of lists with and without double opt-in still asks for confirmation', async () => {
    await postSignup(t, { email: 'mixed@example.org', lists: [String(singleId), String(harzId)] });
    const mail = await t.smtp.waitFor((m) => m.to.includes('mixed@example.org'));
    expect(mail.subject).toMatch(/bestätigen/);
    expect(
      rows(
        t,
        "select * from subscribers where email = 'mixed@example.org' and status = 'unconfirmed'",
      ),
    ).toHaveLength(1);
  });
});
