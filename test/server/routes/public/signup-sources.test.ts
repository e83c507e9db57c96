/**
 * Where a sign-up came from: the sign-up page reads it from its address, carries it through
 * the form as hidden fields, and the new subscriber row and its consent record keep it. A
 * tampered recommendation or a junk code signs up all the same, just without a source.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralToken } from '../../../../server/services/sources/index.js';
import { loginAs } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { FORM, HTML, consentEvents, formBody, one } from '../_flow.js';

let t: TestApp;
let editionId: number;
let campaignId: number;
let referrerId: number;

interface SourceRow {
  id: number;
  source_kind: string;
  source_edition_id: number | null;
  source_campaign_id: number | null;
  source_event_id: number | null;
  referred_by: number | null;
  source_code: string | null;
}

const sourceOf = (email: string) =>
  one<SourceRow>(
    t,
    `select id, source_kind, source_edition_id, source_campaign_id, source_event_id, referred_by,
       source_code from subscribers where email = ?`,
    email,
  );

/** The hidden fields of the sign-up form a page shows. */
function hiddenFields(body: string): Record<string, string> {
  const form = /<form method="post" action="\/"[\s\S]*?<\/form>/.exec(body)?.[0] ?? '';
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return fields;
}

/** Open the sign-up page at `url` and send its form as a person would. */
async function signUpFrom(url: string, email: string) {
  const page = await t.app.inject({ method: 'GET', url, headers: HTML });
  expect(page.statusCode).toBe(200);
  const hidden = hiddenFields(page.body);
  const res = await t.app.inject({
    method: 'POST',
    url: '/',
    headers: FORM,
    payload: formBody({
      ...hidden,
      email,
      website: '',
      name: 'Neu Gierig',
      region: '15085',
      roles: ['volunteer'],
      language: 'de',
      consent: 'yes',
    }),
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.body).toContain('Bitte bestätigen Sie Ihre Anmeldung');
  return { hidden, row: sourceOf(email)! };
}

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  const sql = t.runtime.database.sqlite;
  editionId = Number(
    sql
      .prepare(
        `insert into editions (number, title, subject, slug, sections, translations, status)
         values (3, 'Frühling', 'Landpost Nr. 3', '3-fruehling', '[]', '{}', 'sent')`,
      )
      .run().lastInsertRowid,
  );
  campaignId = Number(
    sql
      .prepare(
        `insert into campaigns (edition_id, segment_ids, list_ids, status)
         values (?, '[]', '[]', 'finished')`,
      )
      .run(editionId).lastInsertRowid,
  );
  referrerId = Number(
    sql
      .prepare(
        `insert into subscribers (email, name, status, confirmed_at)
         values ('rita@example.org', 'Rita Weitersager', 'confirmed', 1)`,
      )
      .run().lastInsertRowid,
  );
});

afterAll(async () => {
  await t?.close();
});

describe('sign-up sources', () => {
  it('a generic recommendation link in an edition: edition and campaign, recommend=1 dropped', async () => {
    const { hidden, row } = await signUpFrom(
      `/signup?ed=${editionId}&cp=${campaignId}&recommend=1`,
      'aus.ausgabe@example.org',
    );
    expect(hidden).toMatchObject({ ed: String(editionId), cp: String(campaignId) });
    expect(hidden).not.toHaveProperty('recommend');
    expect(row).toMatchObject({
      source_kind: 'edition',
      source_edition_id: editionId,
      source_campaign_id: campaignId,
      referred_by: null,
    });
    const signup = consentEvents(t, row.id).find((e) => e.kind === 'signup');
    expect(JSON.parse(String(signup?.details))).toMatchObject({
      source: { kind: 'edition', editionId, campaignId },
    });
  });

  it('a personal recommendation link names the colleague who recommended it', async () => {
    const token = referralToken(t.app.secrets, referrerId);
    const { hidden, row } = await signUpFrom(`/signup?ref=${token}`, 'empfohlen@example.org');
    expect(hidden.ref).toBeTruthy();
    expect(row).toMatchObject({ source_kind: 'referral', referred_by: referrerId });
  });

  it('a tampered recommendation signs up without a source', async () => {
    const token = referralToken(t.app.secrets, referrerId);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const { hidden, row } = await signUpFrom(`/signup?ref=${tampered}`, 'gefaelscht@example.org');
    expect(hidden).not.toHaveProperty('ref');
    expect(row).toMatchObject({ source_kind: 'direct', referred_by: null });
  });

  it('a recommendation forged in the sent form (not the page) is dropped too', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
    const res = await t.app.inject({
      method: 'POST',
      url: '/',
      headers: FORM,
      payload: formBody({
        ...hiddenFields(page.body),
        ref: 'eyJzIjoxfQ.forged',
        ed: '99999',
        email: 'formfaelscher@example.org',
        website: '',
        language: 'de',
        consent: 'yes',
      }),
    });
    expect(res.statusCode).toBe(200);
    // An edition that does not exist is no source either.
    expect(sourceOf('formfaelscher@example.org')).toMatchObject({
      source_kind: 'direct',
      referred_by: null,
      source_edition_id: null,
    });
  });

  it('a flyer code is kept lower-cased; junk in its place is no source', async () => {
    const flyer = await signUpFrom('/signup?src=Flyer-Harz', 'flyer@example.org');
    expect(flyer.row).toMatchObject({ source_kind: 'code', source_code: 'flyer-harz' });
    const junk = await signUpFrom(
      `/signup?src=${encodeURIComponent('"><script>x</script>')}`,
      'junk@example.org',
    );
    expect(junk.hidden).not.toHaveProperty('src');
    expect(junk.row).toMatchObject({ source_kind: 'direct', source_code: null });
  });

  it('the archive link and the first source stay when the person signs up again', async () => {
    const first = await signUpFrom(`/signup?ed=${editionId}&from=archive`, 'zweimal@example.org');
    expect(first.row).toMatchObject({ source_kind: 'archive', source_edition_id: editionId });
    const again = await signUpFrom('/?src=flyer-boerde', 'zweimal@example.org');
    expect(again.row).toMatchObject({
      source_kind: 'archive',
      source_edition_id: editionId,
      source_code: null,
    });
  });

  it('the subscriber page says where each person came from', async () => {
    const viewer = await loginAs(t, 'viewer');
    const quelle = async (email: string) => {
      const page = await viewer.get(`/admin/subscribers/${sourceOf(email)!.id}`);
      expect(page.statusCode).toBe(200);
      const dd = /<dt>Quelle<\/dt><dd>([\s\S]*?)<\/dd>/.exec(page.body)?.[1] ?? '';
      return dd
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim();
    };
    expect(await quelle('empfohlen@example.org')).toBe('Empfehlung von Rita Weitersager');
    expect(await quelle('aus.ausgabe@example.org')).toBe('Ausgabe Nr. 3');
    expect(await quelle('zweimal@example.org')).toBe('Archiv, Ausgabe Nr. 3');
    expect(await quelle('flyer@example.org')).toBe('Flyer-Code flyer-harz');
    expect(await quelle('junk@example.org')).toBe('Direkt');
    // The recommending person erased: the recommendation stays, without a name.
    t.runtime.database.sqlite.prepare('delete from subscribers where id = ?').run(referrerId);
    expect(await quelle('empfohlen@example.org')).toBe('Empfehlung von gelöschte Person');
  });
});
