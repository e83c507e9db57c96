/**
 * The organisation's settings where a person meets them: the confirmation mail that arrives
 * after signing up, and the public pages. Nothing saved means the environment's values; a
 * saved change shows in the next mail and on the next page, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { HTML, postSignup, waitForMailTo } from '../_flow.js';

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
});

afterAll(async () => {
  await t?.close();
});

const saved = {
  name: 'Landnetz "Ost" e. V.',
  imprint: 'Landnetz Ost e. V.\nVertreten durch: Erika Beispiel\nVereinsregister Halle VR 1234',
  postalAddress: 'Markt 1\n06108 Halle (Saale)',
  funderAttribution: 'Gefördert vom Land Sachsen-Anhalt',
  primaryColour: '#7a1f5c',
  replyTo: 'team@landnetz.example',
  privacyUrl: 'https://landnetz.example/datenschutz',
};

async function page(url: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: HTML });
  expect(res.statusCode).toBe(200);
  const body = res.body;
  const element = (pattern: RegExp) => pattern.exec(body)?.[0] ?? '';
  return {
    body,
    title: element(/<title>[^<]*<\/title>/),
    header: element(/<header class="site">[\s\S]*?<\/header>/),
    footer: element(/<footer class="site">[\s\S]*?<\/footer>/),
    main: element(/<main[^>]*>[\s\S]*?<\/main>/),
  };
}

async function confirmationMailTo(email: string) {
  const signup = await postSignup(t, { email });
  expect(signup.statusCode).toBe(200);
  return waitForMailTo(t, email);
}

describe('nothing saved: the values from the environment', () => {
  it('in the confirmation mail: name, sender, imprint, privacy link, no Reply-To', async () => {
    const mail = await confirmationMailTo('before@example.org');
    expect(mail.subject).toBe(
      'Bitte bestätigen Sie Ihre Anmeldung zum Newsletter von Landpost Test e.V.',
    );
    expect(mail.parsed.from?.value).toEqual([
      { name: 'Landpost Test e.V.', address: 'noreply@landpost.test' },
    ]);
    expect(mail.headers.has('reply-to')).toBe(false);
    expect(mail.text).toContain('Bitte antworten Sie nicht darauf.');
    expect(mail.text).toContain('Landpost Test e.V.\nMusterstraße 1\n39104 Magdeburg');
    expect(mail.text).toContain(`${t.config.publicUrl}/privacy`);
    expect(mail.html).toContain('bgcolor="#1d4e89"');
  });

  it('on the public pages: name, imprint, privacy link, no logo, no funder line', async () => {
    const shown = await page('/imprint');
    expect(shown.title).toMatch(/– Landpost Test e\.V\.<\/title>$/);
    expect(shown.header).toContain(
      '<p class="brand"><a href="/"><bdi>Landpost Test e.V.</bdi></a></p>',
    );
    expect(shown.main).toContain(
      '<p class="imprint" dir="auto">Landpost Test e.V.\nMusterstraße 1\n39104 Magdeburg</p>',
    );
    expect(shown.footer).toContain('<a href="http://localhost:3000/privacy">');
    expect(shown.footer).not.toContain('class="attribution"');
    expect(shown.body).toContain('<body style="--accent:#1d4e89">');
  });
});

describe('saved settings: the next mail and page show them, without a restart', () => {
  let logoUrl = '';

  beforeAll(() => {
    expect(t.app.services.organisation.update(saved, { kind: 'cli' }).kind).toBe('saved');
    const withLogo = t.app.services.organisation.setLogo(PNG, 'Landnetz Ost', { kind: 'cli' });
    logoUrl = withLogo.kind === 'saved' ? (withLogo.settings.logo?.url ?? '') : '';
    expect(logoUrl).toMatch(/^\/media\/[0-9a-f]+\.png$/);
  });

  it('in the confirmation mail: name, imprint, address, funder line, colour, Reply-To', async () => {
    const mail = await confirmationMailTo('after@example.org');
    expect(mail.subject).toBe(
      'Bitte bestätigen Sie Ihre Anmeldung zum Newsletter von Landnetz "Ost" e. V.',
    );
    // The transactional address stays; it shows the organisation's name.
    expect(mail.parsed.from?.value).toEqual([
      { name: 'Landnetz "Ost" e. V.', address: 'noreply@landpost.test' },
    ]);
    expect(mail.parsed.replyTo?.value).toEqual([{ name: '', address: 'team@landnetz.example' }]);
    // Replies are read now, so the footer no longer asks not to reply.
    expect(mail.text).toContain(
      'Wenn Sie antworten, erreicht Ihre Nachricht uns unter team@landnetz.example.',
    );
    expect(mail.text).not.toContain('Bitte antworten Sie nicht darauf.');

    for (const part of [mail.text ?? '', mail.html ?? '']) {
      expect(part).toContain('Vertreten durch: Erika Beispiel');
      expect(part).toContain('Markt 1');
      expect(part).toContain('06108 Halle (Saale)');
      expect(part).toContain('Gefördert vom Land Sachsen-Anhalt');
      expect(part).toContain('https://landnetz.example/datenschutz');
      expect(part).not.toContain('Musterstraße 1');
    }
    expect(mail.text).toContain(
      'Landnetz Ost e. V.\nVertreten durch: Erika Beispiel\nVereinsregister Halle VR 1234',
    );
    expect(mail.html).toContain('Landnetz &quot;Ost&quot; e. V.</span></h1>');
    expect(mail.html).toContain('bgcolor="#7a1f5c"');
    expect(mail.html).not.toContain('bgcolor="#1d4e89"');
  });

  it('on the public pages: name, logo, funder line, privacy link, colour', async () => {
    for (const url of ['/', '/privacy', '/imprint', '/archive']) {
      const shown = await page(url);
      expect(shown.title).toMatch(/– Landnetz &quot;Ost&quot; e\. V\.<\/title>$/);
      expect(shown.header).toContain(
        `<img src="${logoUrl}" alt="Landnetz Ost" height="48"> <bdi>Landnetz &quot;Ost&quot; e. V.</bdi>`,
      );
      expect(shown.footer).toContain('<a href="https://landnetz.example/datenschutz">');
      expect(shown.footer).toContain(
        '<p class="attribution"><bdi>Gefördert vom Land Sachsen-Anhalt</bdi></p>',
      );
      expect(shown.body).toContain('<body style="--accent:#7a1f5c">');
      expect(shown.body).not.toContain('Landpost Test e.V.');
    }
    const signup = await page('/');
    expect(signup.main).toContain('<a href="https://landnetz.example/datenschutz">');

    // The logo is served where the header points.
    const logo = await t.app.inject({ method: 'GET', url: logoUrl });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
  });

  it('on the imprint page: the saved imprint and the postal address', async () => {
    const shown = await page('/imprint');
    expect(shown.main).toContain(
      '<p class="imprint" dir="auto">Landnetz Ost e. V.\nVertreten durch: Erika Beispiel\nVereinsregister Halle VR 1234</p>',
    );
    expect(shown.main).toContain('<p class="imprint" dir="auto">Markt 1\n06108 Halle (Saale)</p>');
  });
});
