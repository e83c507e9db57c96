/** The editors' welcome-mail texts against a real SQLite file, and the preview they see. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { MailTextService } from '../../../../server/services/mail-texts/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

const editor: Actor = { kind: 'cli' };
let ctx: ServiceTestContext;
let mailTexts: MailTextService;
let organisation: OrganisationService;

beforeAll(() => {
  ctx = serviceTestContext();
  organisation = new OrganisationService(ctx);
  mailTexts = new MailTextService(ctx, organisation);
});
afterAll(() => ctx?.close());

const stored = (language: string) =>
  ctx.sql<{ subject: string; body: string }>(
    "select subject, body from mail_texts where key = 'welcome' and language = ?",
    language,
  );

describe('welcome mail texts', () => {
  it('saves a text per language, trimmed and with Unix line ends, and audits it', () => {
    const result = mailTexts.saveWelcome(
      'en',
      { subject: '  Welcome aboard ', body: 'Hello!\r\n\r\nWe write once a month.\r\n' },
      editor,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(stored('en')).toEqual([
      { subject: 'Welcome aboard', body: 'Hello!\n\nWe write once a month.' },
    ]);
    expect(mailTexts.welcome('en')).toEqual(stored('en')[0]);
    expect(mailTexts.welcome('de')).toBeUndefined();
    expect(
      ctx.sql("select actor, action, entity_id from audit_log where entity = 'mail-text'"),
    ).toEqual([{ actor: 'cli', action: 'update', entity_id: 'welcome/en' }]);
  });

  it('refuses a subject with a line break or a body that is too long, keeping what was typed', () => {
    const result = mailTexts.saveWelcome(
      'uk',
      { subject: 'Hi\nBcc: someone@example.org', body: 'x'.repeat(5001) },
      editor,
    );
    expect(result).toMatchObject({
      kind: 'invalid',
      errors: { subject: 'mailTexts.subjectInvalid', body: 'mailTexts.bodyTooLong' },
      values: { subject: 'Hi\nBcc: someone@example.org' },
    });
    expect(stored('uk')).toEqual([]);
  });

  it('an empty text and a reset both go back to the built-in text', () => {
    mailTexts.saveWelcome('de', { subject: 'Hallo', body: 'Text' }, editor);
    mailTexts.saveWelcome('de', { subject: ' ', body: '' }, editor);
    expect(stored('de')).toEqual([]);
    mailTexts.saveWelcome('de', { subject: 'Hallo', body: 'Text' }, editor);
    mailTexts.resetWelcome('de', editor);
    expect(stored('de')).toEqual([]);
    expect(
      ctx
        .sql<{ action: string }>(
          "select action from audit_log where entity_id = 'welcome/de' order by id",
        )
        .map((r) => r.action),
    ).toEqual(['update', 'update', 'update', 'reset']);
  });

  it('previews the mail with the given text as plain text, or with the built-in one', async () => {
    const own = await mailTexts.previewWelcome('en', {
      subject: 'Good to have you',
      body: 'Plain <b>text</b> only.',
    });
    expect(own.subject).toBe('Good to have you');
    expect(own.text).toContain('Plain <b>text</b> only.');
    expect(own.text).toContain(`${ctx.config.publicUrl}/u/…`);
    const builtIn = await mailTexts.previewWelcome('de');
    expect(builtIn.subject).toContain('Willkommen');
    expect(builtIn.text).toContain(ctx.config.orgName);
  });

  it("previews with the organisation's saved name, imprint and funder line", async () => {
    organisation.update(
      {
        name: 'Landnetz Sachsen-Anhalt e. V.',
        imprint: 'Landnetz Sachsen-Anhalt e. V.\nMarkt 1\n06108 Halle (Saale)',
        funderAttribution: 'Gefördert vom Land Sachsen-Anhalt',
      },
      editor,
    );
    const preview = await mailTexts.previewWelcome('de');
    expect(preview.subject).toContain('Landnetz Sachsen-Anhalt e. V.');
    expect(preview.text).toContain('Markt 1\n06108 Halle (Saale)');
    expect(preview.text).toContain('Gefördert vom Land Sachsen-Anhalt');
    expect(preview.text).not.toContain(ctx.config.orgImprint);
  });

  it('an unknown language is a programming error, not a new row', () => {
    expect(() => mailTexts.saveWelcome('xx', { subject: 'a', body: 'b' }, editor)).toThrow(
      RangeError,
    );
    expect(ctx.sql("select * from mail_texts where language = 'xx'")).toEqual([]);
  });
});
