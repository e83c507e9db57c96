/** What the built-in mail catcher receives lands in the database, for the admin's inbox page. */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher } from '../../../../workers/mail-catcher.js';
import { MailCatcherService } from '../../../../server/services/mail-catcher/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let inbox: MailCatcherService;
let catcher: MailCatcher;

beforeAll(async () => {
  ctx = serviceTestContext();
  inbox = new MailCatcherService(ctx);
  catcher = await startMailCatcher((mail) => {
    inbox.store(mail);
  });
});
afterAll(async () => {
  await catcher?.close();
  ctx?.close();
});

describe('mail catcher inbox', () => {
  it('lists caught messages newest first; clearing empties it and is audited', async () => {
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    try {
      for (const subject of ['Erste', 'Zweite']) {
        await transport.sendMail({
          from: 'newsletter@landpost.test',
          to: 'erika@example.org',
          subject,
          text: `Text: ${subject}`,
        });
      }
    } finally {
      transport.close();
    }
    const mails = inbox.list();
    expect(mails.map((m) => m.subject)).toEqual(['Zweite', 'Erste']);
    expect(inbox.find(mails[1]!.id)).toMatchObject({
      envelopeTo: ['erika@example.org'],
      text: expect.stringContaining('Text: Erste'),
    });

    inbox.clear({ kind: 'cli' });
    expect(inbox.list()).toEqual([]);
    expect(ctx.sql("select actor, action from audit_log where entity = 'caught-mail'")).toEqual([
      { actor: 'cli', action: 'clear' },
    ]);
  });
});
