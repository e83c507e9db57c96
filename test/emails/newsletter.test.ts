import { describe, expect, it } from 'vitest';
import {
  compileVariant,
  contrastOnWhite,
  defaultColours,
  personalise,
  type EditionContent,
  type Variant,
} from '../../emails/newsletter/index.js';
import { itemTypes } from '../../server/services/items/types.js';
import { boerde, harz, item, org, twelveItemEdition } from '../helpers/edition.js';

const recipient = {
  name: 'Maria',
  unsubscribeUrl: 'https://news.example.org/u/tok_789?list=1&x=2',
  preferencesUrl: 'https://news.example.org/p/tok_456',
};
const evil = '<script>alert(1)</script> "><img src=x onerror=alert(2)>';
const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
const variant = (language: string, region: string | null, role: string | null = null): Variant => ({
  language,
  region,
  role,
});

/** The visible text of the HTML part, tags dropped, in document order. */
const visible = (html: string) =>
  html
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describe('newsletter: compile and personalise', () => {
  it('compiles every item type in German and Arabic under strict MJML validation', async () => {
    const edition = twelveItemEdition();
    expect(new Set(edition.sections.map((section) => section.type))).toEqual(new Set(itemTypes));
    for (const language of ['de', 'en', 'ar', 'uk']) {
      // compileVariant uses validationLevel 'strict': a template error throws here.
      const compiled = await compileVariant(edition, variant(language, harz), org);
      expect(compiled.html).toContain('</html>');
      expect(compiled.subject).not.toMatch(/[\r\n]/);
    }
    const bare = await compileVariant({ ...twelveItemEdition(), intro: '' }, variant('de', null), {
      ...org,
      logoUrl: undefined,
    });
    expect(bare.html).not.toContain('logo.png');
  });

  it('replaces every placeholder; the HTML gets the URLs attribute-escaped', async () => {
    const compiled = await compileVariant(twelveItemEdition(), variant('de', harz), org);
    for (const token of Object.values(compiled.placeholders)) {
      expect(compiled.html).toContain(token);
      expect(compiled.text).toContain(token);
    }
    const { html, text } = personalise(compiled, recipient);
    const prefix = compiled.placeholders.greeting.replace(/greeting$/, '');
    expect(html).not.toContain(prefix);
    expect(text).not.toContain(prefix);
    expect(html).toContain(`href="${attr(recipient.unsubscribeUrl)}"`);
    expect(html).toContain(`href="${attr(recipient.preferencesUrl)}"`);
    expect(text).toContain(recipient.unsubscribeUrl);
    expect(text).toContain(recipient.preferencesUrl);
    expect(visible(html)).toContain('Guten Tag Maria,');
    expect(text).toContain('Guten Tag Maria,');
    expect(personalise(compiled, { ...recipient, name: '  ' }).text).toContain('Guten Tag,\n');
    expect(() =>
      personalise(compiled, { ...recipient, unsubscribeUrl: 'javascript:alert(1)' }),
    ).toThrow(TypeError);
  });

  it('uses fresh tokens per compile, so text an editor types is never substituted', async () => {
    const edition = twelveItemEdition();
    edition.intro = 'Platzhalter: {{unsubscribe_url}} {{greeting}} lp_greeting';
    const one = await compileVariant(edition, variant('de', harz), org);
    const two = await compileVariant(edition, variant('de', harz), org);
    expect(one.placeholders.greeting).not.toBe(two.placeholders.greeting);
    expect(one.placeholders.greeting).toMatch(/^lp_[0-9a-f]{24}_greeting$/);
    const { html, text } = personalise(one, recipient);
    expect(html).toContain('{{unsubscribe_url}} {{greeting}} lp_greeting');
    expect(text).toContain('{{unsubscribe_url}} {{greeting}} lp_greeting');
  });

  it('escapes markup in every editor field and in the recipient name', async () => {
    const edition = twelveItemEdition();
    edition.title = evil;
    edition.subject = evil;
    edition.preheader = evil;
    edition.intro = `${evil}\n\n- ${evil}`;
    for (const section of edition.sections) {
      section.heading = evil;
      for (const entry of section.items) {
        entry.title = evil;
        entry.description = `**${evil}** [${evil}](https://example.org/?q="><script>)`;
        entry.fields = Object.fromEntries(
          Object.keys(entry.fields).map((key) => [
            key,
            key.endsWith('Url') ? entry.fields[key as 'url'] : evil,
          ]),
        );
        if (entry.type === 'text')
          entry.fields = { ...entry.fields, imageAlt: evil, buttonLabel: evil };
      }
    }
    const evilOrg = { ...org, name: evil, imprint: evil, postalAddress: evil, attribution: evil };
    for (const language of ['de', 'ar']) {
      const compiled = await compileVariant(edition, variant(language, harz), evilOrg);
      const { html, text } = personalise(compiled, { ...recipient, name: evil });
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img src=x/i);
      // With every quoted attribute value blanked, no attribute was smuggled into a tag.
      expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\sonerror=/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x');
      expect(html).toContain('?q=%22%3E%3Cscript%3E');
      // The text part is plain text: the name and titles appear as typed.
      expect(text).toContain(evil);
    }
  });

  it('drops javascript: and other unsafe links, keeping their label as text', async () => {
    const edition = twelveItemEdition();
    const [funding, , , , , texts] = edition.sections;
    funding!.items[0]!.description =
      'Siehe [hier klicken](javascript:alert(1)), [Daten](data:text/html,x), [relativ](/pfad) ' +
      'und [Mail](mailto:info@example.org) oder [Telefon](tel:+493451234).';
    funding!.items[0]!.fields.url = 'javascript:alert(1)';
    texts!.items[0]!.fields = {
      imageUrl: 'javascript:alert(1)',
      imageAlt: 'Bild',
      buttonLabel: 'Los',
      buttonUrl: 'JaVaScRiPt:alert(1)',
    };
    const compiled = await compileVariant(edition, variant('de', harz), org);
    const { html, text } = personalise(compiled, recipient);
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(text).not.toMatch(/javascript:|data:text/i);
    expect(visible(html)).toContain('Siehe hier klicken, Daten, relativ und Mail oder Telefon');
    expect(html).toContain('href="mailto:info@example.org"');
    expect(html).toContain('href="tel:+493451234"');
    expect(html).not.toContain('href="/pfad"');
  });

  it('renders the safe Markdown subset: paragraphs, emphasis, links and lists', async () => {
    const edition = twelveItemEdition();
    edition.intro =
      'Erster *Absatz* mit **Fett** und _Betonung_\nzweite Zeile\n\n- eins\n- zwei\n\n1. erstens\n2. zweitens\n\n<b>kein HTML</b> snake_case_name';
    const { html } = personalise(
      await compileVariant(edition, variant('de', harz), org),
      recipient,
    );
    expect(html).toMatch(
      /Erster <em>Absatz<\/em> mit <strong>Fett<\/strong> und <em>Betonung<\/em><br \/>zweite Zeile/,
    );
    expect(html).toMatch(/<ul[^>]*><li>eins<\/li><li>zwei<\/li><\/ul>/);
    expect(html).toMatch(/<ol[^>]*><li>erstens<\/li><li>zweitens<\/li><\/ol>/);
    expect(html).toContain('&lt;b&gt;kein HTML&lt;/b&gt; snake_case_name');
  });

  it('gives every image an alt text and every table role="presentation"', async () => {
    const edition = twelveItemEdition();
    edition.sections[5]!.items[1]!.fields.imageUrl = 'https://news.example.org/img/ohne-alt.jpg';
    const { html } = await compileVariant(edition, variant('de', harz), org);
    const images = html.match(/<img\b[^>]*>/g) ?? [];
    expect(images.length).toBe(3);
    for (const image of images) expect(image).toMatch(/\salt="[^"]+"/);
    // An image without alt text is described by its item's title.
    expect(html).toContain('alt="Umfrage zum Newsletter"');
    expect(html).toContain('alt="Teilnehmende des Fachtags im Saal"');
    const tables = html.match(/<table\b[^>]*>/g) ?? [];
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) expect(table).toContain('role="presentation"');
  });

  it('keeps text at 16 px or more and the default colours at 4.5:1 or more', async () => {
    const { html } = await compileVariant(twelveItemEdition(), variant('de', harz), org);
    const sizes = [...html.matchAll(/font-size:\s*(\d+)px/g)].map((m) => Number(m[1]));
    // 0 and 1 px are MJML's whitespace and preheader hiding, not text.
    expect(sizes.filter((size) => size > 1 && size < 16)).toEqual([]);
    expect(contrastOnWhite(defaultColours.primary)).toBeGreaterThanOrEqual(4.5);
    expect(contrastOnWhite(defaultColours.text)).toBeGreaterThanOrEqual(4.5);
    expect(contrastOnWhite('#333333')).toBeGreaterThanOrEqual(4.5);

    // A pale brand colour would make links and buttons unreadable: the default is used.
    const pale = await compileVariant(twelveItemEdition(), variant('de', harz), {
      ...org,
      colours: { primary: '#ffcc00', text: 'red;x' },
    });
    expect(pale.html).not.toMatch(/#ffcc00|red;x/i);
    expect(pale.html).toContain(defaultColours.primary);
  });

  it('sets lang and dir on <html> and on the inner blocks, right-to-left for Arabic', async () => {
    const edition = twelveItemEdition();
    const de = await compileVariant(edition, variant('de', harz), org);
    expect(de.html).toMatch(/<html[^>]*\blang="de"[^>]*\bdir="ltr"/);
    expect(de.html).toMatch(/<div lang="de" dir="ltr" style="direction:ltr;text-align:left"/);
    expect(de.html).not.toContain('dir="rtl"');

    const ar = await compileVariant(edition, variant('ar', harz), org);
    expect(ar.html).toMatch(/<html[^>]*\blang="ar"[^>]*\bdir="rtl"/);
    expect(ar.html).toMatch(/<div lang="ar" dir="rtl" style="direction:rtl;text-align:right"/);
    expect(ar.subject).toBe('برامج تمويل ومواعيد جديدة في مايو');
    expect(ar.html).toMatch(/<h2 lang="ar" dir="rtl"[^>]*>التمويل<\/h2>/);
    expect(ar.html).toMatch(/<h3 lang="ar" dir="rtl"[^>]*>مشاريع صغيرة في الأرياف<\/h3>/);
    // Untranslated texts fall back to German and say so.
    expect(ar.html).toMatch(/<h2 lang="de" dir="ltr"[^>]*>Fortbildungen<\/h2>/);
    expect(ar.html).toMatch(/<h3 lang="de" dir="ltr"[^>]*>Harzer Ehrenamtsfonds<\/h3>/);
    expect(personalise(ar, recipient).text).toContain('مرحبًا \u2068Maria\u2069،');
  });

  it('gives the Harz and the Börde variant their own items first; overregional items reach both', async () => {
    const edition = twelveItemEdition();
    const harzMail = personalise(
      await compileVariant(edition, variant('de', harz), org),
      recipient,
    );
    const boerdeMail = personalise(
      await compileVariant(edition, variant('de', boerde), org),
      recipient,
    );
    expect(harzMail.html).not.toBe(boerdeMail.html);

    const order = (html: string, ...texts: string[]) => {
      const page = visible(html);
      return texts.map((text) => page.indexOf(text));
    };
    // Förderung: overregional first in both, then the own region, the other under the sub-heading.
    const [micro, harzFund, other, boerdeFund] = order(
      harzMail.html,
      'Mikroprojekte im ländlichen Raum',
      'Harzer Ehrenamtsfonds',
      'In anderen Regionen',
      'Börde-Bürgerbudget',
    );
    expect(micro).toBeGreaterThan(0);
    expect([micro, harzFund, other, boerdeFund]).toEqual(
      [micro!, harzFund!, other!, boerdeFund!].sort((a, b) => a - b),
    );
    const [micro2, boerdeFund2, other2, harzFund2] = order(
      boerdeMail.html,
      'Mikroprojekte im ländlichen Raum',
      'Börde-Bürgerbudget',
      'In anderen Regionen',
      'Harzer Ehrenamtsfonds',
    );
    expect(micro2).toBeGreaterThan(0);
    expect([micro2, boerdeFund2, other2, harzFund2]).toEqual(
      [micro2!, boerdeFund2!, other2!, harzFund2!].sort((a, b) => a - b),
    );
    expect(harzMail.text).toContain('Mikroprojekte im ländlichen Raum');
    expect(boerdeMail.text).toContain('Mikroprojekte im ländlichen Raum');
  });

  it("leaves other regions' items out where the section says elsewhere: 'hide'", async () => {
    const edition = twelveItemEdition();
    const harzMail = personalise(
      await compileVariant(edition, variant('de', harz), org),
      recipient,
    );
    const boerdeMail = personalise(
      await compileVariant(edition, variant('de', boerde), org),
      recipient,
    );
    expect(visible(harzMail.html)).toContain('Moderation im Ehrenamt (Wernigerode)');
    expect(harzMail.text).toContain('Moderation im Ehrenamt (Wernigerode)');
    expect(boerdeMail.html).not.toContain('Wernigerode');
    expect(boerdeMail.text).not.toContain('Wernigerode');
    // The item for every region in the same section is still there.
    expect(visible(boerdeMail.html)).toContain('Anträge schreiben leicht gemacht');

    // A section with nothing left for the variant is left out with its heading.
    edition.sections[3]!.elsewhere = 'hide';
    const harzWithout = await compileVariant(edition, variant('de', harz), org);
    expect(harzWithout.html).not.toContain('Netzwerktreffen Börde');
    expect(harzWithout.html).not.toMatch(/>Treffen<\/h2>/);
  });

  it('puts items for the variant role first and the other roles under their own sub-heading', async () => {
    const edition = twelveItemEdition();
    const { html } = await compileVariant(edition, variant('de', harz, 'volunteer'), org);
    const page = visible(html);
    const own = page.indexOf('Kostenlose Rechtsberatung für Vereine');
    const heading = page.indexOf('Für andere Gruppen');
    const other = page.indexOf('Räume für Gruppen gesucht?');
    expect(own).toBeGreaterThan(0);
    expect(own).toBeLessThan(heading);
    expect(heading).toBeLessThan(other);

    edition.sections[4]!.elsewhere = 'hide';
    const hidden = await compileVariant(edition, variant('de', harz, 'volunteer'), org);
    expect(hidden.html).not.toContain('Räume für Gruppen gesucht?');
  });

  it('carries the attribution line, the imprint and the unsubscribe link in every variant', async () => {
    const edition = twelveItemEdition();
    for (const language of ['de', 'en', 'ar', 'uk']) {
      for (const region of [harz, boerde, null]) {
        for (const role of ['volunteer', null]) {
          const compiled = await compileVariant(edition, variant(language, region, role), org);
          const { html, text } = personalise(compiled, recipient);
          for (const part of [visible(html), text]) {
            expect(part).toContain('Gefördert von der Bundeszentrale für politische Bildung (bpb)');
            expect(part).toContain('Vertreten durch: Erika Beispiel (Vorsitz)');
            expect(part).toContain('Vereinsregister Stendal VR 1234');
            expect(part).toContain('06108 Halle (Saale)');
          }
          expect(html).toContain(`href="${attr(recipient.unsubscribeUrl)}"`);
          expect(text).toContain(recipient.unsubscribeUrl);
        }
      }
    }
  });

  it('keeps a 12-item edition under 102 KB (Gmail clips longer messages)', async () => {
    const edition = twelveItemEdition();
    expect(edition.sections.flatMap((section) => section.items)).toHaveLength(12);
    for (const language of ['de', 'ar']) {
      const compiled = await compileVariant(edition, variant(language, null), org);
      const { html } = personalise(compiled, recipient);
      expect(compiled.size).toBe(Buffer.byteLength(compiled.html));
      expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
    }
  });

  it('writes a readable text part with headings, items and the links listed at the end', async () => {
    const compiled = await compileVariant(twelveItemEdition(), variant('de', harz), org);
    const { text } = personalise(compiled, recipient);
    expect(text).toContain('Förderung\n=========');
    expect(text).toContain('In anderen Regionen\n-------------------');
    expect(text).toContain('Alle Infos auf der Seite des Programms [2].');
    expect(text).toContain('Frist: Mittwoch, 31. März 2027');
    expect(text).toContain('Wann: Mittwoch, 12. Mai 2027, 10:00–13:00');
    expect(text).toContain('Ort: online');
    expect(text).not.toMatch(/<[a-z]/i);
    const links = text.slice(text.indexOf('\nLinks:\n'));
    expect(links).toContain('[1] https://news.example.org/umfrage\n');
    expect(links).toContain('[2] https://foerderung.example.org/programm?id=7&lang=de\n');
    // Every link of the HTML part is in the text part.
    const { html } = personalise(compiled, recipient);
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
    for (const href of hrefs) {
      if (href.startsWith('tel:') || href.startsWith('mailto:')) continue;
      expect(text).toContain(href);
    }
  });

  it('shows appointment times in Berlin time, also when given in UTC', async () => {
    const edition: EditionContent = {
      ...twelveItemEdition(),
      sections: [
        {
          type: 'meeting',
          heading: 'Treffen',
          elsewhere: 'show',
          items: [
            item('meeting', 'Winter', { fields: { startsAt: '2027-01-10T09:00:00Z' } }),
            item('meeting', 'Sommer', { fields: { startsAt: '2027-07-10T09:00' } }),
          ],
        },
      ],
    };
    const de = await compileVariant(edition, variant('de', null), org);
    expect(de.text).toContain('Wann: Sonntag, 10. Januar 2027 um 10:00');
    expect(de.text).toContain('Wann: Samstag, 10. Juli 2027 um 09:00');
    const en = await compileVariant(edition, variant('en', null), org);
    expect(en.text).toMatch(/Sunday, January 10, 2027 at 10:00\sAM/);
  });
});

describe('newsletter: recommend to a colleague', () => {
  const url = 'https://news.example.org/signup?ed=7&cp=9&recommend=1';
  const words: Record<string, string> = {
    de: 'Einer Kollegin oder einem Kollegen empfehlen',
    en: 'Recommend it to a colleague',
    ar: 'أوصِ بها زميلًا أو زميلة',
    uk: 'Порекомендувати колезі',
  };

  it('links to the sign-up form in every language, in the HTML and the text part', async () => {
    for (const [language, label] of Object.entries(words)) {
      const compiled = await compileVariant(
        { ...twelveItemEdition(), recommendUrl: url },
        variant(language, harz),
        org,
      );
      const { html, text } = personalise(compiled, recipient);
      const link = new RegExp(`<a href="${attr(url).replace(/[?]/g, '\\?')}"[^>]*>${label}</a>`);
      expect(html, language).toMatch(link);
      expect(text, language).toContain(`${label}: ${url}`);
      // Before the signature separator: mail clients fold what follows it.
      expect(text.indexOf(url), language).toBeLessThan(text.indexOf('\n-- \n'));
    }
  });

  it('is the same for every recipient: compiled into the variant, not personalised', async () => {
    const compiled = await compileVariant(
      { ...twelveItemEdition(), recommendUrl: url },
      variant('de', harz),
      org,
    );
    expect(compiled.html).toContain(attr(url));
    const other = { ...recipient, name: 'Jonas', preferencesUrl: 'https://news.example.org/p/x' };
    const count = (html: string) => html.split(attr(url)).length - 1;
    expect(count(personalise(compiled, recipient).html)).toBe(1);
    expect(count(personalise(compiled, other).html)).toBe(1);
  });

  it('is left out without a link, and a link that is not http(s) is never written', async () => {
    const none = await compileVariant(twelveItemEdition(), variant('de', harz), org);
    expect(none.html).not.toContain(words.de);
    expect(none.text).not.toContain(words.de);
    const bad = await compileVariant(
      { ...twelveItemEdition(), recommendUrl: 'javascript:alert(1)' },
      variant('de', harz),
      org,
    );
    expect(bad.html).not.toContain('javascript:');
    expect(bad.html).not.toContain(words.de);
  });
});
