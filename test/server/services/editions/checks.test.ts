import { beforeAll, describe, expect, it } from 'vitest';
import {
  compileVariant,
  type EditionContent,
  type Org,
  type Variant,
} from '../../../../emails/newsletter/index.js';
import { ensureDebianPackage } from '../../../../server/infra/system-packages.js';
import {
  presendChecks,
  type Check,
  type PresendInput,
} from '../../../../server/services/editions/checks.js';
import { boerde, harz, item, org, twelveItemEdition } from '../../../helpers/edition.js';

const german: Variant = { language: 'de', region: null, role: null };
const variants: Variant[] = [
  german,
  { language: 'de', region: harz, role: null },
  { language: 'de', region: boerde, role: null },
  { language: 'ar', region: null, role: null },
];
const recipient = {
  name: 'Erika Mustermann',
  unsubscribeUrl: 'https://news.example.org/u/preview',
  preferencesUrl: 'https://news.example.org/p/preview',
};
/** Before every date of the test edition. */
const now = Date.parse('2026-06-01T08:00:00Z');

function run(input: Partial<PresendInput> = {}): Promise<Check[]> {
  return presendChecks({ edition: twelveItemEdition(), org, variants, recipient, now, ...input });
}

const codes = (checks: Check[]) => checks.map((check) => check.code);

/** The realistic edition with one item changed (the first funding item). */
function withFirstItem(change: (fields: Record<string, string>) => void): EditionContent {
  const edition = twelveItemEdition();
  const first = edition.sections[0]!.items[0]!;
  const fields = { ...(first.fields as Record<string, string>) };
  change(fields);
  edition.sections[0]!.items[0] = { ...first, fields };
  return edition;
}

describe('presendChecks', () => {
  it('finds nothing to complain about in a complete edition', async () => {
    expect(await run()).toEqual([]);
  });

  it('wants a subject (error) and a preheader (warning)', async () => {
    const checks = await run({ edition: { ...twelveItemEdition(), subject: ' ', preheader: '' } });
    expect(checks).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'subject-missing' }),
    );
    expect(checks).toContainEqual(
      expect.objectContaining({ level: 'warning', code: 'preheader-missing' }),
    );
  });

  it('refuses an edition without items', async () => {
    const checks = await run({ edition: { ...twelveItemEdition(), sections: [] } });
    expect(checks).toContainEqual(expect.objectContaining({ level: 'error', code: 'no-items' }));
    expect(codes(checks)).not.toContain('variant-empty');
  });

  it('names the variant that does not render', async () => {
    const edition = twelveItemEdition();
    const checks = await run({
      edition,
      compile: (variant) =>
        variant.language === 'ar'
          ? Promise.reject(new Error('MJML failed'))
          : compileVariant(edition, variant, org),
    });
    expect(checks).toEqual([
      {
        level: 'error',
        code: 'render-failed',
        message: 'The variant ar / all regions / all roles does not render: MJML failed',
      },
    ]);
  });

  it('warns from 80 KB and refuses from 102 KB (Gmail clips)', async () => {
    const grown = (count: number): EditionContent => {
      const edition = twelveItemEdition();
      const long = 'Ein langer Absatz über Förderung und Engagement im Dorf. '.repeat(30);
      for (let i = 0; i < count; i++)
        edition.sections[5]!.items.push(item('text', `Beitrag ${i}`, { description: long }));
      return edition;
    };
    const small = await run({ variants: [german] });
    expect(codes(small)).not.toContain('size-large');
    const sizes = async (count: number) =>
      (await compileVariant(grown(count), german, org)).size / 1024;
    // Find item counts that land in each band, so the test follows the layout's real size.
    let count = 1;
    while ((await sizes(count)) < 85) count += 2;
    const large = await run({ edition: grown(count), variants: [german] });
    expect(large).toContainEqual(expect.objectContaining({ level: 'warning', code: 'size-large' }));
    while ((await sizes(count)) < 103) count += 2;
    const clipped = await run({ edition: grown(count), variants: [german] });
    expect(clipped).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'size-clipped' }),
    );
    expect(codes(clipped)).not.toContain('size-large');
  });

  it('refuses an image without alt text', async () => {
    const edition = twelveItemEdition();
    const text = edition.sections[5]!.items[0]!;
    edition.sections[5]!.items[0] = { ...text, fields: { ...text.fields, imageAlt: '' } };
    const checks = await run({ edition });
    expect(checks).toContainEqual({
      level: 'error',
      code: 'image-alt-missing',
      message: 'The image of “Rückblick: Fachtag Engagement” has no alt text.',
    });
  });

  it('warns of http: links and refuses broken ones', async () => {
    const insecure = await run({
      edition: withFirstItem((f) => (f.url = 'http://foerderung.example.org/mikro')),
    });
    expect(insecure).toContainEqual(
      expect.objectContaining({ level: 'warning', code: 'link-insecure' }),
    );
    expect(codes(insecure)).not.toContain('link-broken');

    const spaced = twelveItemEdition();
    spaced.intro += '\n\nMehr [hier](https://news.example.org/eine seite).';
    const noHost = withFirstItem((f) => (f.url = 'https://'));
    for (const edition of [spaced, noHost]) {
      const checks = await run({ edition });
      expect(checks).toContainEqual(
        expect.objectContaining({ level: 'error', code: 'link-broken' }),
      );
    }
  });

  it('warns of past deadlines and trainings', async () => {
    const later = await run({ now: Date.parse('2028-01-01T00:00:00Z') });
    expect(later).toContainEqual(
      expect.objectContaining({ level: 'warning', code: 'deadline-past' }),
    );
    expect(later).toContainEqual(
      expect.objectContaining({ level: 'warning', code: 'training-past' }),
    );
  });

  it('warns of a variant without any item of its own', async () => {
    const edition = twelveItemEdition();
    edition.sections = [
      { ...edition.sections[0]!, items: edition.sections[0]!.items.slice(1, 2) }, // Harz only
    ];
    const checks = await run({ edition });
    const empty = checks.filter((check) => check.code === 'variant-empty');
    expect(empty.map((check) => check.message)).toEqual([
      'The variant de / all regions / all roles has no items of its own.',
      `The variant de / ${boerde} / all roles has no items of its own.`,
      'The variant ar / all regions / all roles has no items of its own.',
    ]);
    expect(empty.every((check) => check.level === 'warning')).toBe(true);
  });

  it('refuses a mail without imprint or funder line', async () => {
    const bare: Org = { ...org, imprint: '', attribution: '' };
    const checks = await run({ org: bare, variants: [german] });
    expect(checks).toContainEqual({
      level: 'error',
      code: 'imprint-missing',
      message: 'The variant de / all regions / all roles lacks the imprint in HTML and text.',
    });
    expect(checks).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'attribution-missing' }),
    );
  });

  it('refuses a mail whose text part lacks the unsubscribe link', async () => {
    const edition = twelveItemEdition();
    const checks = await run({
      variants: [german],
      compile: async (variant) => {
        const compiled = await compileVariant(edition, variant, org);
        return {
          ...compiled,
          text: compiled.text.replaceAll(compiled.placeholders.unsubscribe_url, ''),
        };
      },
    });
    expect(checks).toEqual([
      {
        level: 'error',
        code: 'unsubscribe-missing',
        message:
          'The variant de / all regions / all roles lacks the unsubscribe link in the text part.',
      },
    ]);
  });

  it('scores nothing unless asked', async () => {
    expect(codes(await run({ variants: [german] }))).not.toContain('spam-score');
  });
});

describe('presendChecks with Debian SpamAssassin', () => {
  beforeAll(() => {
    ensureDebianPackage({
      binary: 'spamassassin',
      pkg: 'spamassassin',
      alternative: '',
      log: (line) => console.log(line),
    });
  }, 600_000);

  it('scores the German mail of a realistic 12-item edition below 1 (local tests only)', async () => {
    const checks = await run({ spamScore: true });
    const spam = checks.find((check) => check.code === 'spam-score');
    const match =
      /^SpamAssassin score (-?\d+(?:\.\d+)?) \(spam from 5\)(?:; top rules: (.*))?\.$/.exec(
        spam?.message ?? '',
      );
    expect(match, spam?.message).not.toBeNull();
    const score = Number(match![1]);
    console.log(`12-item edition: score ${score}; rules above 0: ${match![2] ?? 'none'}`);
    expect(spam).toMatchObject({ level: 'info' });
    expect(score).toBeLessThan(1);
  }, 60_000);

  it('refuses a mail that reads like spam', async () => {
    const edition = twelveItemEdition();
    edition.subject = 'FREE!!! MAKE MONEY FAST $$$ 100% GUARANTEED';
    edition.sections[5]!.items.push(
      item('text', 'URGENT WINNER', {
        description:
          'Dear friend, you won $1,000,000 USD. Send your bank account details to claim your ' +
          'prize. 100% risk-free, guaranteed, no catch. Viagra, Cialis, Xanax.',
      }),
    );
    const checks = await run({ edition, variants: [german], spamScore: true });
    expect(checks.find((check) => check.code === 'spam-score')).toMatchObject({ level: 'error' });
  }, 60_000);
});
