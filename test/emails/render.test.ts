import { describe, expect, it } from 'vitest';
import {
  renderTransactional,
  type MailContext,
  type TransactionalData,
  type TransactionalKind,
} from '../../emails/render.js';
import { language, translator } from '../../server/i18n/index.js';

const kinds: TransactionalKind[] = ['confirmation', 'welcome', 'preferences-link'];
const evilName = '<script>alert(1)</script> "><img src=x onerror=alert(2)>';
const imprint =
  'Landnetz Sachsen-Anhalt e. V.\nVertreten durch: Erika Beispiel\nMarkt 1, 06108 Halle (Saale)';

function context(lang: string): MailContext {
  return {
    lang,
    dir: language(lang).dir,
    t: translator(lang),
    org: {
      name: 'Landnetz',
      imprint,
      postalAddress: '',
      attribution: '',
      replyTo: '',
      primaryColour: '#1d4e89',
      publicUrl: 'https://news.example.org',
      privacyUrl: 'https://news.example.org/privacy',
    },
  };
}

function data(kind: TransactionalKind): TransactionalData {
  return {
    name: evilName,
    email: 'maria@example.org',
    actionUrl: `https://news.example.org/${kind}/tok_123?a=1&b=2`,
    preferencesUrl: 'https://news.example.org/preferences/tok_456',
    unsubscribeUrl: 'https://news.example.org/u/tok_789',
  };
}

const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

describe.each(['de', 'ar'])('transactional mail in %s', (lang) => {
  const rtl = lang === 'ar';

  it.each(kinds)('%s', async (kind) => {
    const mail = await renderTransactional(kind, context(lang), data(kind));
    const { html, text } = mail;
    const { actionUrl } = data(kind);

    expect(mail.subject.trim()).not.toBe('');
    expect(mail.subject).not.toMatch(/[\r\n]/);

    // The button and the copyable link point to the action URL (attribute-escaped).
    expect(html).toContain(`href="${attr(actionUrl)}"`);

    // Language and direction on <html> and again on inner elements (webmail drops <html>).
    expect(html).toMatch(
      new RegExp(`<html[^>]*\\blang="${lang}"[^>]*\\bdir="${rtl ? 'rtl' : 'ltr'}"`),
    );
    const inner = html.match(
      new RegExp(`<(?:div|h1)\\b[^>]*\\blang="${lang}"[^>]*\\bdir="${rtl ? 'rtl' : 'ltr'}"`, 'g'),
    );
    expect(inner?.length ?? 0).toBeGreaterThan(2);
    if (rtl) expect(html).toContain('style="direction:rtl;text-align:right"');
    else expect(html).not.toContain('direction:rtl');

    // Layout tables are presentation only, also those in Outlook's conditional comments.
    const tables = html.match(/<table\b[^>]*>/g) ?? [];
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) expect(table).toMatch(/\brole="presentation"/);

    expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(102 * 1024);
    expect(html).not.toMatch(/<img\b/);
    // Visible text at least 16px; 0px/1px are MJML's spacing trick and the hidden preheader.
    const sizes = [...html.matchAll(/font-size:\s*(\d+)px/g)].map((m) => Number(m[1]));
    expect(sizes.filter((size) => size > 1 && size < 16)).toEqual([]);

    // User data only ever escaped.
    expect(html).not.toContain('<script');
    expect(html).not.toContain('"><img');
    if (kind !== 'confirmation') {
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x');
    }

    // Imprint in the footer, line breaks kept.
    expect(html).toContain('Landnetz Sachsen-Anhalt e. V.<br />Vertreten durch: Erika Beispiel');

    // The text part: same links, imprint at the bottom.
    expect(text).toContain(actionUrl);
    expect(text.trimEnd().endsWith(imprint)).toBe(true);
    expect(text).toContain('https://news.example.org/privacy');

    const again = await renderTransactional(kind, context(lang), data(kind));
    expect(again.templateVersion).toBe(mail.templateVersion);
    expect(mail.templateVersion).toMatch(new RegExp(`^${kind}@[0-9a-f]{12}$`));
    expect(again.html).toBe(html);
  });
});

describe('transactional mail content', () => {
  it('confirmation: what was asked, the button, the link to copy, how to ignore', async () => {
    const t = translator('de');
    const mail = await renderTransactional('confirmation', context('de'), {
      ...data('confirmation'),
      retentionDays: 5,
    });
    const url = data('confirmation').actionUrl;
    expect(mail.subject).toBe(t('mail.confirmation.subject', { org: 'Landnetz' }));
    expect(mail.html).toContain(
      t('mail.confirmation.intro', { org: 'Landnetz', email: 'maria@example.org' }),
    );
    expect(mail.html).toContain(`>${attr(url)}</a>`);
    expect(mail.html).toContain(t('mail.confirmation.ignore', { days: 5 }));
    expect(mail.text).toContain(t('mail.confirmation.ignore', { days: 5 }));
    // A name typed into a public form is not repeated to a possibly foreign address.
    expect(mail.text).not.toContain('alert(1)');
  });

  it('welcome: links to the preferences and to unsubscribe in both parts', async () => {
    const mail = await renderTransactional('welcome', context('de'), data('welcome'));
    for (const url of [
      'https://news.example.org/preferences/tok_456',
      'https://news.example.org/u/tok_789',
    ]) {
      expect(mail.html).toContain(`href="${url}"`);
      expect(mail.text).toContain(url);
    }
    expect(mail.text).toContain(`Guten Tag ${evilName},`);
  });

  it('welcome: the editors’ text replaces the default body and stays text', async () => {
    const mail = await renderTransactional('welcome', context('de'), {
      ...data('welcome'),
      custom: {
        subject: 'Hallo\r\nBcc: someone@example.org',
        body: 'Erster Absatz\nzweite Zeile\n\nZweiter <b>Absatz</b> mit <a href="x">Link</a>',
      },
    });
    expect(mail.subject).toBe('Hallo Bcc: someone@example.org');
    expect(mail.html).toContain('Erster Absatz<br />zweite Zeile</div>');
    expect(mail.html).toContain(
      'Zweiter &lt;b&gt;Absatz&lt;/b&gt; mit &lt;a href=&quot;x&quot;&gt;',
    );
    expect(mail.html).not.toContain(translator('de')('mail.welcome.what'));
    expect(mail.text).toContain('Erster Absatz\nzweite Zeile\n\nZweiter <b>Absatz</b>');
  });

  it("closes with the organisation's postal address and funder line, in both parts", async () => {
    const ctx = context('de');
    ctx.org.postalAddress = 'Landnetz e. V.\nPostfach 12 34\n06002 Halle';
    ctx.org.attribution = 'Gefördert vom Land Sachsen-Anhalt';
    for (const kind of kinds) {
      const mail = await renderTransactional(kind, ctx, data(kind));
      expect(mail.html).toContain('Landnetz e. V.<br />Postfach 12 34<br />06002 Halle');
      expect(mail.html).toContain('Gefördert vom Land Sachsen-Anhalt');
      expect(mail.text).toContain(`${imprint}\n\nLandnetz e. V.\nPostfach 12 34\n06002 Halle`);
      expect(mail.text.trimEnd().endsWith('Gefördert vom Land Sachsen-Anhalt')).toBe(true);
    }
  });

  it('says where replies go when the organisation reads them, and not to reply otherwise', async () => {
    const t = translator('de');
    const silent = await renderTransactional('welcome', context('de'), data('welcome'));
    expect(silent.text).toContain(t('mail.footer.automatic'));
    const ctx = context('de');
    ctx.org.replyTo = 'team@news.example.org';
    for (const kind of kinds) {
      const mail = await renderTransactional(kind, ctx, data(kind));
      const line = t('mail.footer.automaticReply', { address: 'team@news.example.org' });
      expect(mail.text).toContain(line);
      expect(mail.html).toContain(line);
      expect(mail.text).not.toContain(t('mail.footer.automatic'));
    }
  });

  it("paints the button in the organisation's colour only when white text stays readable", async () => {
    const ctx = context('de');
    ctx.org.primaryColour = '#7A1F5C';
    const own = await renderTransactional('confirmation', ctx, data('confirmation'));
    expect(own.html).toMatch(/<td[^>]*bgcolor="#7a1f5c"/);
    expect(own.html).not.toContain('#1d4e89;text-decoration:underline;word-break');
    // Yellow with white text: 1.1:1. The default stays.
    ctx.org.primaryColour = '#ffdd00';
    const pale = await renderTransactional('confirmation', ctx, data('confirmation'));
    expect(pale.html).not.toMatch(/#ffdd00/i);
    expect(pale.html).toMatch(/<td[^>]*bgcolor="#1d4e89"/);
  });

  it('removes line breaks from the subject', async () => {
    const ctx = context('en');
    ctx.org.name = 'Land\nnetz';
    const mail = await renderTransactional('preferences-link', ctx, data('preferences-link'));
    expect(mail.subject).toBe('Your link to your newsletter settings at Land netz');
  });

  it('refuses links that are not http(s)', async () => {
    await expect(
      renderTransactional('confirmation', context('de'), {
        ...data('confirmation'),
        actionUrl: 'javascript:alert(1)',
      }),
    ).rejects.toThrow(/actionUrl/);
  });

  it('renders concurrent calls in their own language', async () => {
    const langs = ['de', 'ar', 'uk', 'en', 'ar', 'de'];
    const mails = await Promise.all(
      langs.map((lang) => renderTransactional('confirmation', context(lang), data('confirmation'))),
    );
    mails.forEach((mail, i) => {
      const lang = langs[i] ?? '';
      expect(mail.html).toMatch(new RegExp(`<html[^>]*lang="${lang}"`));
      expect(mail.subject).toBe(translator(lang)('mail.confirmation.subject', { org: 'Landnetz' }));
    });
    expect(new Set(mails.map((m) => m.templateVersion)).size).toBe(1);
  });
});
