import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAs, type AdminClient } from '../../../helpers/admin.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const PAGE = '/admin/settings/organisation';

let t: TestApp;
let admin: AdminClient;
let editor: AdminClient;

const settingsRows = () =>
  t.runtime.database.sqlite.prepare('select * from organisation_settings').all() as Record<
    string,
    unknown
  >[];

const form = {
  name: 'Arbeit und Leben Sachsen-Anhalt',
  tagline: 'Beratung und Schulung von haupt- und ehrenamtlich Engagierten',
  project: 'Integrationspotentiale im ländlichen Raum nutzen',
  primaryColour: '#1d4e89',
  textColour: '#1a1a1a',
  imprint: 'Bundesarbeitskreis Arbeit und Leben (DGB/VHS) e.V.\r\nRobertstr. 5a\r\n42107 Wuppertal',
  postalAddress: 'Robertstr. 5a\r\n42107 Wuppertal',
  funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung (bpb)',
  senderName: 'Integrationspotentiale',
  senderAddress: 'newsletter@example.org',
  replyTo: 'team@example.org',
  privacyUrl: 'https://example.org/datenschutz',
};

const uploadLogo = (bytes: Uint8Array, fileName = 'logo.png', alt = 'Arbeit und Leben') =>
  admin.upload(`${PAGE}/logo`, fileName, bytes, admin.csrf, {
    field: 'logo',
    type: 'image/png',
    fields: { logoAlt: alt },
  });

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin');
  editor = await loginAs(t, 'editor');
});
afterAll(async () => t?.close());

describe('organisation settings in the admin UI', () => {
  it('is for admins: an editor gets 403 and cannot save', async () => {
    expect((await editor.get(PAGE)).statusCode).toBe(403);
    await editor.get('/admin/mail-texts');
    const res = await editor.post(PAGE, { ...form, name: 'Taken over' });
    expect(res.statusCode).toBe(403);
    expect(settingsRows()).toEqual([]);
    expect((await editor.get('/admin')).body).not.toContain(PAGE);
  });

  it('shows the defaults from the environment, with a link in the navigation', async () => {
    const page = await admin.get(PAGE);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="${PAGE}" aria-current="page"`);
    expect(page.body).toContain('value="Landpost Test e.V."');
    expect(page.body).toContain('value="newsletter@landpost.test"');
    expect(page.body).toContain('>Landpost Test e.V.\nMusterstraße 1\n39104 Magdeburg</textarea>');
  });

  it('saves the values and shows them again', async () => {
    await admin.get(PAGE);
    const res = await admin.post(PAGE, form);
    expect(res.statusCode, res.body).toBe(303);
    const page = await admin.get(res.headers.location as string);
    expect(page.body).toContain('role="status"');
    // The admin header names the organisation as saved.
    expect(page.body).toContain(`<bdi>${form.name}</bdi>`);
    expect(page.body).toContain(`value="${form.funderAttribution}"`);
    expect(page.body).toContain(`value="${form.tagline}"`);
    expect(page.body).toContain(`value="${form.project}"`);
    expect(page.body).toContain('>Robertstr. 5a\n42107 Wuppertal</textarea>');
    expect(page.body).toContain('value="team@example.org"');
    expect(settingsRows()[0]).toMatchObject({
      name: form.name,
      imprint: 'Bundesarbeitskreis Arbeit und Leben (DGB/VHS) e.V.\nRobertstr. 5a\n42107 Wuppertal',
    });
    const audit = t.runtime.database.sqlite
      .prepare("select action, details from audit_log where entity = 'organisation'")
      .all() as { action: string; details: string }[];
    expect(audit.at(-1)!.action).toBe('update');
    expect(JSON.parse(audit.at(-1)!.details).changed).toContain('funderAttribution');
  });

  it('shows the message next to each invalid field and saves nothing', async () => {
    await admin.get(PAGE);
    const before = settingsRows();
    const res = await admin.post(PAGE, {
      ...form,
      name: 'Changed name',
      textColour: '#aaaaaa',
      privacyUrl: 'javascript:alert(1)',
      imprint: '<script>alert(1)</script>',
    });
    expect(res.statusCode).toBe(400);
    for (const name of ['textColour', 'privacyUrl', 'imprint']) {
      expect(res.body).toMatch(
        new RegExp(
          `id="${name}"[^>]*aria-describedby="${name}-hint ${name}-error"[^>]*aria-invalid="true"`,
        ),
      );
      expect(res.body).toContain(`<p class="error" id="${name}-error">`);
    }
    expect(res.body).toContain('Kontrast zu Weiß liegt unter 4,5:1');
    expect(res.body).not.toMatch(/id="name"[^>]*aria-invalid/);
    // The values come back as typed, escaped.
    expect(res.body).toContain('value="Changed name"');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
    expect(settingsRows()).toEqual(before);
  });

  it('takes a PNG logo, shows it and serves it at /media/… as image/png', async () => {
    await admin.get(PAGE);
    const res = await uploadLogo(PNG);
    expect(res.statusCode, res.body).toBe(303);
    const page = await admin.get(res.headers.location as string);
    const src = /<img src="(\/media\/[0-9a-f]{32}\.png)" alt="Arbeit und Leben"/.exec(
      page.body,
    )?.[1];
    expect(src).toBeDefined();
    const image = await t.app.inject({ method: 'GET', url: src! });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    expect(image.rawPayload).toEqual(PNG);
    expect(
      (await t.app.inject({ method: 'GET', url: '/media/..%2Flandpost.sqlite' })).statusCode,
    ).toBe(404);
  });

  it('refuses a file that is no image although it is called .png, a 600 KB and a 10 MB image', async () => {
    await admin.get(PAGE);
    const before = settingsRows()[0]!.logo_file;
    const fake = await uploadLogo(Buffer.from('<svg onload="alert(1)"/>'), 'logo.png');
    expect(fake.statusCode).toBe(400);
    expect(fake.body).toContain('<p class="error" id="logo-error">');
    expect(fake.body).toMatch(/id="logo"[^>]*aria-invalid="true"/);

    const big = Buffer.concat([PNG, Buffer.alloc(600 * 1024)]);
    const tooLarge = await uploadLogo(big, 'big.png');
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.body).toContain('größer als 500 KB');
    // A 10 MB photo straight from a camera: the same clear answer, nothing stored.
    const huge = await uploadLogo(Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]), 'foto.png');
    expect(huge.statusCode).toBe(413);
    expect(huge.body).toContain('größer als 500 KB');
    expect(settingsRows()[0]!.logo_file).toBe(before);
  });

  it('wants a text alternative with the logo', async () => {
    await admin.get(PAGE);
    const res = await uploadLogo(PNG, 'logo.png', '');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="logoAlt"[^>]*aria-invalid="true"/);
  });

  it('answers 400 to a malformed multipart body', async () => {
    await admin.get(PAGE);
    const res = await t.app.inject({
      method: 'POST',
      url: `${PAGE}/logo?_csrf=${encodeURIComponent(admin.csrf)}`,
      headers: {
        cookie: admin.jar.header(),
        accept: 'text/html',
        'content-type': 'multipart/form-data; boundary=x',
      },
      payload: '--x\r\nContent-Disposition: form-data; name="logo"; filename="a.png"\r\n',
    });
    expect(res.statusCode).toBe(400);
  });

  it('changes only the text alternative when no file is chosen', async () => {
    await admin.get(PAGE);
    const res = await uploadLogo(Buffer.alloc(0), '', 'Arbeit und Leben Sachsen-Anhalt');
    expect(res.statusCode, res.body).toBe(303);
    const page = await admin.get(PAGE);
    expect(page.body).toMatch(
      /<img src="\/media\/[0-9a-f]{32}\.png" alt="Arbeit und Leben Sachsen-Anhalt"/,
    );
  });

  it('removes the logo', async () => {
    await admin.get(PAGE);
    const res = await admin.post(`${PAGE}/logo/remove`);
    expect(res.statusCode).toBe(303);
    const page = await admin.get(PAGE);
    expect(page.body).not.toContain('<img src="/media/');
    expect(settingsRows()[0]!.logo_file).toBeNull();
  });

  it('switches tracking off and on again, for admins only, keeping the other settings', async () => {
    const before = settingsRows()[0];
    expect((await admin.get(PAGE)).body).toMatch(/name="tracking" value="on"[^>]*checked/);
    expect((await editor.post(`${PAGE}/tracking`, {})).statusCode).toBe(403);
    const off = await admin.post(`${PAGE}/tracking`, {});
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toContain('notice=organisation.trackingOff');
    expect(settingsRows()[0]).toMatchObject({
      ...before,
      tracking_enabled: 0,
      updated_at: expect.any(Number),
    });
    expect(t.runtime.services.tracking.enabled()).toBe(false);
    const page = (await admin.get(`${PAGE}?notice=organisation.trackingOff`)).body;
    expect(page).not.toMatch(/name="tracking" value="on"[^>]*checked/);
    expect(page).toContain('Tracking ist ausgeschaltet');
    await admin.post(`${PAGE}/tracking`, { tracking: 'on' });
    expect(t.runtime.services.tracking.enabled()).toBe(true);
  });
});
