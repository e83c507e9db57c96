/**
 * The one validator of editions: what an editor may save, and the field it names when not;
 * a number another edition holds is a conflict, an edition without items a warning.
 */
import { describe, expect, it } from 'vitest';
import {
  defaultSections,
  editionConflicts,
  editionSlug,
  editionWarnings,
  validateEdition,
  type EditionDraft,
  type EditionVocabulary,
} from '../../../../server/services/editions/index.js';

const known: EditionVocabulary = { items: new Set([1, 2, 3]), takenNumbers: new Set([1]) };

const check = (draft: Partial<EditionDraft>) =>
  validateEdition({ number: 2, title: 'Frühjahr', subject: 'Landpost Nr. 2', ...draft }, known);
const errorsOf = (draft: Partial<EditionDraft>) => check(draft).errors;

describe('validateEdition', () => {
  it('accepts a complete edition, trims what it keeps and fills in the defaults', () => {
    const { input, errors } = check({
      title: '  Frühjahr im Landkreis ',
      subject: ' Landpost Nr. 2: Förderung ',
      preheader: 'Neues aus dem Netzwerk',
      intro: 'Liebe Engagierte,\r\nmehr [hier](https://example.org).',
      targetDate: '2026-04-01',
      items: [3, 1],
      translations: {
        en: { subject: 'Landpost no. 2', headings: { funding: 'Funding' } },
        uk: { subject: ' ' },
      },
    });
    expect(errors).toEqual({});
    expect(input).toMatchObject({
      number: 2,
      title: 'Frühjahr im Landkreis',
      subject: 'Landpost Nr. 2: Förderung',
      intro: 'Liebe Engagierte,\nmehr [hier](https://example.org).',
      status: 'draft',
      targetDate: '2026-04-01',
      inArchive: true,
      slug: '2-fruehjahr-im-landkreis',
      items: [3, 1],
      sections: defaultSections,
      translations: { en: { subject: 'Landpost no. 2', headings: { funding: 'Funding' } } },
    });
    expect(input.sections.map((s) => s.type)).toEqual([
      'funding',
      'counselling',
      'training',
      'meeting',
      'support',
      'text',
    ]);
  });

  it('needs a plain-text title and subject of at most 200 characters', () => {
    expect(errorsOf({ title: ' ', subject: '' })).toEqual({
      title: 'editions.errors.title',
      subject: 'editions.errors.subject',
    });
    expect(errorsOf({ title: 'x'.repeat(201), subject: 'Neu <b>heute</b>' })).toEqual({
      title: 'editions.errors.title',
      subject: 'editions.errors.subject',
    });
    expect(errorsOf({ subject: 'Zeile\nbruch', preheader: 'y'.repeat(201) })).toEqual({
      subject: 'editions.errors.subject',
      preheader: 'editions.errors.preheader',
    });
    expect(errorsOf({ title: 'x'.repeat(200), preheader: 'y'.repeat(200) })).toEqual({});
  });

  it('checks the intro with the Markdown rule of item descriptions, and its texts', () => {
    expect(errorsOf({ intro: '[x](javascript:alert(1))' })).toEqual({
      intro: 'items.errors.markdown.link',
    });
    expect(errorsOf({ intro: '<img src=x onerror=alert(1)>' })).toEqual({
      intro: 'items.errors.markdown.html',
    });
    expect(errorsOf({ intro: 'x'.repeat(2001) })).toEqual({
      intro: 'items.errors.markdown.tooLong',
    });
  });

  it('needs a number from 1 on that no other edition holds; the latter is a conflict', () => {
    for (const number of [0, -1, 1.5, 10000, Number.NaN])
      expect(errorsOf({ number }), String(number)).toEqual({ number: 'editions.errors.number' });
    const taken = errorsOf({ number: 1 });
    expect(taken).toEqual({ number: 'editions.errors.numberTaken' });
    expect(editionConflicts.has(taken.number!)).toBe(true);
    expect(editionConflicts.has('editions.errors.number')).toBe(false);
  });

  it('names an unknown or repeated item by its id', () => {
    const { input, errors } = check({ items: [2, 9, 2, 1] });
    expect(errors).toEqual({
      'items.9': 'editions.errors.unknownItem',
      'items.2': 'editions.errors.itemTwice',
    });
    expect(input.items).toEqual([2, 1]);
    expect(errorsOf({ items: ['1' as unknown as number] })).toEqual({
      items: 'editions.errors.itemId',
    });
  });

  it('allows an edition without items, and warns about it', () => {
    const { input, errors } = check({ items: [] });
    expect(errors).toEqual({});
    expect(editionWarnings(input)).toEqual([
      { code: 'no-items', message: 'The edition has no items yet.' },
    ]);
    expect(editionWarnings({ items: [1] })).toEqual([]);
  });

  it('needs each item type once in the sections, with a plain-text heading', () => {
    const reordered = [...defaultSections]
      .reverse()
      .map((s) => ({ ...s, elsewhere: 'hide' as const }));
    expect(check({ sections: reordered }).input.sections).toEqual(reordered);
    expect(errorsOf({ sections: defaultSections.slice(1) })).toEqual({
      sections: 'editions.errors.sectionsIncomplete',
    });
    expect(
      errorsOf({
        sections: [
          ...defaultSections.slice(0, 5),
          { type: 'funding', heading: 'Noch einmal', elsewhere: 'show' },
          { type: 'text', heading: '<i>Text</i>', elsewhere: 'maybe' as 'show' },
        ],
      }),
    ).toEqual({
      'sections.5.type': 'editions.errors.sectionTwice',
      'sections.6.heading': 'editions.errors.heading',
      'sections.6.elsewhere': 'editions.errors.elsewhere',
    });
    expect(
      errorsOf({
        sections: [
          ...defaultSections.slice(0, 5),
          { type: 'advert' as 'text', heading: 'x'.repeat(101), elsewhere: 'show' },
        ],
      }),
    ).toEqual({
      'sections.5.type': 'editions.errors.sectionType',
      'sections.5.heading': 'editions.errors.heading',
      sections: 'editions.errors.sectionsIncomplete',
    });
  });

  it('keys translations by known languages and checks them with the same rules', () => {
    expect(
      errorsOf({
        translations: {
          xx: { subject: 'Hallo' },
          en: {
            subject: 'a\u202eb',
            preheader: '<b>',
            intro: '[x](data:text/html,1)',
            headings: { funding: 'x'.repeat(101), advert: 'Ads' } as Record<string, string>,
          },
        },
      }),
    ).toEqual({
      'translations.xx': 'editions.errors.language',
      'translations.en.subject': 'editions.errors.subject',
      'translations.en.preheader': 'editions.errors.preheader',
      'translations.en.intro': 'items.errors.markdown.link',
      'translations.en.headings.funding': 'editions.errors.heading',
      'translations.en.headings.advert': 'editions.errors.sectionType',
    });
  });

  it('checks the target date and makes a slug of number and title', () => {
    expect(errorsOf({ targetDate: '2026-02-30' })).toEqual({ targetDate: 'editions.errors.date' });
    expect(check({ targetDate: null }).input.targetDate).toBeNull();
    expect(editionSlug(3, 'Größer & schöner: Ausgabe!')).toBe('3-groesser-schoener-ausgabe');
    expect(editionSlug(4, '—')).toBe('4');
  });
});
