/**
 * The organisation's settings where a person meets them: the confirmation mail that arrives
 * after signing up. Nothing saved means the environment's values; a saved change shows in the
 * next mail, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { postSignup, waitForMailTo } from '../_flow.js';

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

async function confirmationMailTo(email: string) {
  const signup = await postSignup(t, { email });
  expect(signup.statusCode).toBe(200);
  return waitForMailTo(t, email);
}

describe("the organisation's settings in the confirmation mail", () => {
  it('without saved settings: the name, imprint and privacy link from the environment', async () => {
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

  it('after saving: the saved name, imprint, address, funder line, colour and Reply-To', async () => {
    const result = t.app.services.organisation.update(saved, { kind: 'cli' });
    expect(result.kind).toBe('saved');

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
    expect(mail.html).toContain('<h1');
    expect(mail.html).toContain('Landnetz &quot;Ost&quot; e. V.</span></h1>');
    expect(mail.html).toContain('bgcolor="#7a1f5c"');
    expect(mail.html).not.toContain('bgcolor="#1d4e89"');
  });
});
