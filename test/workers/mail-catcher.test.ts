import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../workers/mail-catcher.js';

describe('mail catcher', () => {
  const caught: CaughtMail[] = [];
  let catcher: MailCatcher;

  beforeAll(async () => {
    catcher = await startMailCatcher((mail) => {
      caught.push(mail);
    });
  });

  afterAll(async () => {
    await catcher.close();
  });

  it('hands a real SMTP message to the store with envelope, headers and both bodies', async () => {
    expect(catcher.smtpUrl).toBe(`smtp://127.0.0.1:${catcher.port}`);
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    try {
      await transport.sendMail({
        from: 'Landpost Test <newsletter@landpost.test>',
        to: 'Erika Mustermann <erika@example.org>',
        envelope: { from: 'bounces@landpost.test', to: ['erika@example.org'] },
        subject: 'Bitte bestätigen Sie Ihre Anmeldung',
        text: 'Hallo Erika, bitte bestätigen.',
        html: '<p>Hallo Erika, <a href="https://landpost.test/c/abc">bitte bestätigen</a>.</p>',
        headers: { 'X-Landpost-Kind': 'confirmation' },
      });
    } finally {
      transport.close();
    }

    expect(caught).toHaveLength(1);
    const [mail] = caught;
    expect(mail?.envelopeFrom).toBe('bounces@landpost.test');
    expect(mail?.envelopeTo).toEqual(['erika@example.org']);
    expect(mail?.subject).toBe('Bitte bestätigen Sie Ihre Anmeldung');
    expect(mail?.text?.trim()).toBe('Hallo Erika, bitte bestätigen.');
    expect(mail?.html).toContain('<a href="https://landpost.test/c/abc">bitte bestätigen</a>');
    expect(mail?.headers).toMatch(/^X-Landpost-Kind: confirmation$/m);
    expect(mail?.headers).toMatch(/^To: Erika Mustermann <erika@example\.org>$/m);
    expect(mail?.headers).not.toContain('\r\n\r\n');
    expect(mail?.raw.startsWith(mail?.headers ?? '')).toBe(true);
  });
});
