/**
 * The one validator of items: what an editor may save, and the field it names when not; the
 * warnings an editor sees for a deadline or a start that has passed.
 */
import { describe, expect, it } from 'vitest';
import {
  berlinDateTime,
  berlinWallClock,
  dateTimeInstant,
  itemWarnings,
  markdownProblem,
  validateItem,
  type ItemDraft,
  type ItemVocabulary,
} from '../../../../server/services/items/index.js';

const known: ItemVocabulary = {
  regions: new Set(['15085', '15003']),
  roles: new Set(['volunteer', 'staff']),
};

const check = (draft: Partial<ItemDraft>) =>
  validateItem({ type: 'text', title: 'Hallo', ...draft }, known);
const errorsOf = (draft: Partial<ItemDraft>) => check(draft).errors;

describe('validateItem', () => {
  it('accepts a complete funding item and trims what it keeps', () => {
    const { input, errors } = check({
      type: 'funding',
      title: '  Förderprogramm Ehrenamt ',
      description:
        'Mehr unter [der Seite](https://example.org/foerderung) oder <info@example.org>.',
      regions: ['15085', '15085'],
      roles: ['volunteer'],
      fields: {
        programme: 'Ehrenamt stärken',
        funder: 'Land Sachsen-Anhalt',
        amount: 'bis 5.000 €',
        deadline: '2026-12-31',
        url: 'https://example.org/foerderung',
        funded: ' ',
      },
      translations: { en: { title: 'Volunteering fund', description: 'See **the page**.' } },
    });
    expect(errors).toEqual({});
    expect(input).toMatchObject({
      type: 'funding',
      title: 'Förderprogramm Ehrenamt',
      regions: ['15085'],
      roles: ['volunteer'],
      fields: {
        programme: 'Ehrenamt stärken',
        funder: 'Land Sachsen-Anhalt',
        amount: 'bis 5.000 €',
        deadline: '2026-12-31',
        url: 'https://example.org/foerderung',
      },
      translations: { en: { title: 'Volunteering fund', description: 'See **the page**.' } },
    });
  });

  it('needs a known type and a title', () => {
    expect(validateItem({ type: 'advert', title: '' }, known).errors).toEqual({
      type: 'items.errors.type',
      title: 'items.errors.title',
    });
  });

  it('refuses markup, line breaks and more than 200 characters in the title', () => {
    expect(errorsOf({ title: '<script>alert(1)</script>' })).toEqual({
      title: 'items.errors.title',
    });
    expect(errorsOf({ title: 'two\nlines' })).toEqual({ title: 'items.errors.title' });
    expect(errorsOf({ title: 'x'.repeat(201) })).toEqual({ title: 'items.errors.title' });
    expect(errorsOf({ title: 'x'.repeat(200) })).toEqual({});
  });

  it('refuses raw HTML in the description', () => {
    for (const description of [
      '<script>alert(1)</script>',
      'Text <img src=x onerror=alert(1)>',
      '</p>',
      '<!-- hidden -->',
      '<a href="https://example.org">x</a>',
    ])
      expect(errorsOf({ description }), description).toEqual({
        description: 'items.errors.markdown.html',
      });
  });

  it('refuses links other than http, https, mailto and tel, in every Markdown spelling', () => {
    for (const description of [
      '[x](javascript:alert(1))',
      '[x]( javascript:alert(1) )',
      '[x](<javascript:alert(1)>)',
      '![bild](data:image/svg+xml;base64,PHN2Zz4=)',
      '[x](java&#115;cript:alert(1))',
      '[x](JAVASCRIPT:alert(1))',
      '<javascript:alert(1)>',
      '<vbscript:msgbox(1)>',
      '[x][1]\n\n[1]: javascript:alert(1)',
      '[relativ](/admin)',
      '[x](ftp://example.org/file)',
    ])
      expect(errorsOf({ description }), description).toEqual({
        description: 'items.errors.markdown.link',
      });
  });

  it('accepts Markdown with http, https, mailto and tel links and a plain "<" in text', () => {
    expect(
      errorsOf({
        description:
          '**Wichtig:** [Seite](https://example.org), [alt](http://example.org "Titel"), ' +
          '[Mail](mailto:info@example.org), [Anruf](tel:+49301234567), <https://example.org>, ' +
          '<info@example.org>, 3 < 5 und 1 <2.\n\n[ref]: https://example.org/ref',
      }),
    ).toEqual({});
  });

  it('limits the description to 2,000 characters', () => {
    expect(errorsOf({ description: 'x'.repeat(2000) })).toEqual({});
    expect(errorsOf({ description: 'x'.repeat(2001) })).toEqual({
      description: 'items.errors.markdown.tooLong',
    });
    expect(markdownProblem('a\u202eb', 10)).toBe('control');
  });

  it('knows only the regions and roles that exist', () => {
    expect(errorsOf({ regions: ['15085', 'atlantis'], roles: ['king'] })).toEqual({
      regions: 'items.errors.regions',
      roles: 'items.errors.roles',
    });
  });

  it('names a field key the type does not have', () => {
    expect(
      errorsOf({ type: 'funding', fields: { deadline: '2026-12-31', startsAt: 'x' } }),
    ).toEqual({ 'fields.startsAt': 'items.errors.unknownField' });
    expect(errorsOf({ type: 'support', fields: { colour: 'red' } })).toEqual({
      'fields.colour': 'items.errors.unknownField',
    });
  });

  it('limits field values to 500 characters of plain text', () => {
    expect(errorsOf({ type: 'funding', fields: { funder: 'x'.repeat(500) } })).toEqual({});
    expect(errorsOf({ type: 'funding', fields: { funder: 'x'.repeat(501) } })).toEqual({
      'fields.funder': 'items.errors.field',
    });
    expect(errorsOf({ type: 'funding', fields: { funder: '<b>Land</b>' } })).toEqual({
      'fields.funder': 'items.errors.field',
    });
  });

  it('needs a real YYYY-MM-DD deadline; one in the past is no error', () => {
    for (const deadline of ['31.12.2026', '2026-02-30', '2026-13-01', '2026-1-5', 'bald'])
      expect(errorsOf({ type: 'funding', fields: { deadline } }), deadline).toEqual({
        'fields.deadline': 'items.errors.date',
      });
    expect(errorsOf({ type: 'funding', fields: { deadline: '2020-01-31' } })).toEqual({});
  });

  it('needs ISO 8601 date-times with the end not before the start', () => {
    const training = (startsAt: string, endsAt?: string) =>
      errorsOf({ type: 'training', fields: { startsAt, ...(endsAt ? { endsAt } : {}) } });
    expect(training('2026-05-04T10:00', '2026-05-04T16:30')).toEqual({});
    expect(training('2026-05-04T10:00:00+02:00', '2026-05-04T08:00:00Z')).toEqual({});
    expect(training('2026-05-04 10:00')).toEqual({ 'fields.startsAt': 'items.errors.dateTime' });
    expect(training('2026-05-04T25:00')).toEqual({ 'fields.startsAt': 'items.errors.dateTime' });
    expect(training('2026-02-30T10:00')).toEqual({ 'fields.startsAt': 'items.errors.dateTime' });
    expect(training('2026-05-04')).toEqual({ 'fields.startsAt': 'items.errors.dateTime' });
    expect(training('2026-05-04T16:00', '2026-05-04T10:00')).toEqual({
      'fields.endsAt': 'items.errors.endBeforeStart',
    });
    // 10:00 in Berlin (summer time) is 08:00 UTC: an end at 07:59 UTC lies before it.
    expect(training('2026-05-04T10:00', '2026-05-04T07:59Z')).toEqual({
      'fields.endsAt': 'items.errors.endBeforeStart',
    });
  });

  it('reads a date-time without an offset as Berlin time, in winter and in summer', () => {
    expect(dateTimeInstant('2026-01-15T10:00')).toBe(Date.parse('2026-01-15T09:00:00Z'));
    expect(dateTimeInstant('2026-07-15T10:00')).toBe(Date.parse('2026-07-15T08:00:00Z'));
    expect(dateTimeInstant('2026-07-15T10:00:00Z')).toBe(Date.parse('2026-07-15T10:00:00Z'));
  });

  it('accepts only http and https in URL fields', () => {
    for (const url of [
      'javascript:alert(1)',
      'mailto:info@example.org',
      'ftp://example.org',
      'example.org',
      'https://',
      'https://exa mple.org',
    ])
      expect(errorsOf({ type: 'support', fields: { url } }), url).toEqual({
        'fields.url': 'items.errors.url',
      });
    expect(errorsOf({ type: 'support', fields: { url: 'HTTPS://example.org/a?b=c' } })).toEqual({});
    expect(
      errorsOf({
        type: 'text',
        fields: {
          imageUrl: 'data:image/png;base64,AAAA',
          imageAlt: 'Bild',
          buttonUrl: 'javascript:void(0)',
          buttonLabel: 'Los',
        },
      }),
    ).toEqual({ 'fields.imageUrl': 'items.errors.url', 'fields.buttonUrl': 'items.errors.url' });
  });

  it('needs a valid e-mail address for counselling', () => {
    expect(errorsOf({ type: 'counselling', fields: { email: 'beratung@example.org' } })).toEqual(
      {},
    );
    for (const email of ['beratung', 'a@b', 'mailto:beratung@example.org', 'a b@example.org'])
      expect(errorsOf({ type: 'counselling', fields: { email } }), email).toEqual({
        'fields.email': 'items.errors.email',
      });
  });

  it('needs an alt text for an image and a label for a button', () => {
    expect(errorsOf({ fields: { imageUrl: 'https://example.org/a.png' } })).toEqual({
      'fields.imageAlt': 'items.errors.imageAlt',
    });
    expect(errorsOf({ fields: { buttonUrl: 'https://example.org' } })).toEqual({
      'fields.buttonLabel': 'items.errors.buttonLabel',
    });
    expect(
      errorsOf({
        fields: {
          imageUrl: 'https://example.org/a.png',
          imageAlt: 'Zwei Menschen am Tisch',
          buttonUrl: 'https://example.org',
          buttonLabel: 'Anmelden',
        },
      }),
    ).toEqual({});
  });

  it('checks translations: known languages, plain titles, the same Markdown rule', () => {
    expect(
      errorsOf({
        translations: {
          xx: { title: 'Hello' },
          en: { title: '<b>Hi</b>', description: '[x](javascript:alert(1))' },
          uk: { description: '<script>alert(1)</script>' },
        },
      }),
    ).toEqual({
      'translations.xx': 'items.errors.language',
      'translations.en.title': 'items.errors.title',
      'translations.en.description': 'items.errors.markdown.link',
      'translations.uk.description': 'items.errors.markdown.html',
    });
    const { input, errors } = check({ translations: { ar: { title: 'مرحبا' }, uk: {} } });
    expect(errors).toEqual({});
    expect(input.translations).toEqual({ ar: { title: 'مرحبا' } });
  });
});

describe('itemWarnings', () => {
  const now = Date.parse('2026-06-10T12:00:00Z');

  it('warns about a funding deadline that has passed, not on the day itself', () => {
    expect(itemWarnings({ type: 'funding', fields: { deadline: '2026-06-09' } }, now)).toEqual([
      {
        code: 'deadline-past',
        message: 'The application deadline (2026-06-09) has passed.',
        params: { date: '2026-06-09' },
      },
    ]);
    expect(itemWarnings({ type: 'funding', fields: { deadline: '2026-06-10' } }, now)).toEqual([]);
    expect(itemWarnings({ type: 'funding', fields: {} }, now)).toEqual([]);
  });

  it('warns about a training or meeting that starts in the past', () => {
    expect(
      itemWarnings({ type: 'training', fields: { startsAt: '2026-06-10T10:00' } }, now),
    ).toEqual([
      {
        code: 'training-past',
        message: 'This training starts in the past (2026-06-10T10:00).',
        params: { date: '2026-06-10T10:00' },
      },
    ]);
    expect(
      itemWarnings({ type: 'meeting', fields: { startsAt: '2026-06-01T18:00' } }, new Date(now)),
    ).toMatchObject([{ code: 'training-past' }]);
    expect(
      itemWarnings({ type: 'meeting', fields: { startsAt: '2026-06-10T18:00' } }, now),
    ).toEqual([]);
  });
});

describe("Berlin wall-clock times (the admin form's datetime-local inputs)", () => {
  it('shows any stored date-time as Berlin wall-clock time', () => {
    expect(berlinWallClock('2026-05-04T10:00')).toBe('2026-05-04T10:00');
    expect(berlinWallClock('2026-05-04T08:00:00Z')).toBe('2026-05-04T10:00');
    expect(berlinWallClock('2026-01-04T10:00+01:00')).toBe('2026-01-04T10:00');
    expect(berlinWallClock('04.05.2026 10:00')).toBeUndefined();
  });

  it('saves a wall-clock time with the offset that holds then, summer or winter', () => {
    expect(berlinDateTime('2026-05-04T10:00')).toBe('2026-05-04T10:00+02:00');
    expect(berlinDateTime('2026-12-04T10:00')).toBe('2026-12-04T10:00+01:00');
    expect(dateTimeInstant(berlinDateTime('2026-10-25T01:30')!)).toBe(
      dateTimeInstant('2026-10-25T01:30'),
    );
    expect(berlinDateTime('2026-02-30T10:00')).toBeUndefined();
  });
});
