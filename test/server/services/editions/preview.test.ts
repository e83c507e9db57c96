/**
 * The preview of a stored edition: one variant as the sample recipient gets it, with the
 * pre-send checks over the variants the edition goes out in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import { EditionService } from '../../../../server/services/editions/index.js';
import { ItemService } from '../../../../server/services/items/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { boerde, harz } from '../../../helpers/edition.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';
import { createQueues, type Queues } from '../../../../workers/queues.js';

let ctx: ServiceTestContext;
let editions: EditionService;
let queues: Queues;
let editionId: number;
const admin: Actor = { kind: 'cli' };

beforeAll(() => {
  ctx = serviceTestContext();
  const organisation = new OrganisationService(ctx);
  queues = createQueues(ctx.config.redisUrl!, ctx.config.queuePrefix, () => {});
  editions = new EditionService({ ...ctx, queues }, organisation);
  const saved = organisation.update(
    {
      imprint: 'Landnetz Sachsen-Anhalt e. V.\nVereinsregister Stendal VR 1234',
      postalAddress: 'Markt 1\n06108 Halle (Saale)',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    admin,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
  const library = new ItemService(ctx);
  const ids = [
    library.create(
      { type: 'funding', title: 'Harzer Ehrenamtsfonds', regions: [harz], fields: {} },
      admin,
    ),
    library.create(
      { type: 'funding', title: 'Börde-Bürgerbudget', regions: [boerde], fields: {} },
      admin,
    ),
    library.create(
      {
        type: 'text',
        title: 'Umfrage zum Newsletter',
        description: 'Sagen Sie uns, was Sie lesen möchten.',
        fields: {},
      },
      admin,
    ),
  ].map((result) => {
    if (result.kind !== 'saved') throw new Error(JSON.stringify(result));
    return result.item.id;
  });
  const created = editions.create(
    {
      title: 'Landnetz-Newsletter Nr. 1',
      subject: 'Neue Förderprogramme',
      preheader: 'Zwei Fonds und eine Umfrage',
      items: ids,
      translations: { ar: { subject: 'برامج تمويل جديدة' } },
    },
    admin,
  );
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created.errors));
  editionId = created.edition.id;
});

afterAll(async () => {
  await queues?.close();
  ctx?.close();
});

const preview = async (request: Parameters<EditionService['preview']>[1]) => {
  const result = await editions.preview(editionId, request);
  if (result.kind !== 'preview') throw new Error(`no preview: ${JSON.stringify(result)}`);
  return result.preview;
};

describe('EditionService.preview', () => {
  it('shows a Harz reader the Harz items first and a Börde reader the Börde items', async () => {
    const inHarz = await preview({ region: harz });
    const inBoerde = await preview({ region: boerde });
    expect(inHarz.html).not.toBe(inBoerde.html);
    const first = (html: string) =>
      ['Harzer Ehrenamtsfonds', 'Börde-Bürgerbudget'].sort(
        (a, b) => html.indexOf(a) - html.indexOf(b),
      )[0];
    expect(first(inHarz.html)).toBe('Harzer Ehrenamtsfonds');
    expect(first(inBoerde.html)).toBe('Börde-Bürgerbudget');
    expect(first(inHarz.text)).toBe('Harzer Ehrenamtsfonds');
    expect(first(inBoerde.text)).toBe('Börde-Bürgerbudget');
  });

  it('shows the Arabic variant right to left with its own subject', async () => {
    const arabic = await preview({ language: 'ar' });
    expect(arabic.subject).toBe('برامج تمويل جديدة');
    expect(arabic.html).toMatch(/<html[^>]*\bdir="rtl"/);
    expect(arabic.html).toMatch(
      /<div[^>]*\blang="ar"[^>]*\bdir="rtl"|<div[^>]*\bdir="rtl"[^>]*\blang="ar"/,
    );
  });

  it('greets the sample recipient by name and links to the preview pages, never a token', async () => {
    const german = await preview({});
    const { publicUrl } = ctx.config;
    expect(german.subject).toBe('Neue Förderprogramme');
    expect(german.html).toContain('Erika Mustermann');
    expect(german.text).toContain('Erika Mustermann');
    expect(german.html).not.toMatch(/lp_[0-9a-f]{24}_/);
    for (const part of [german.html, german.text]) {
      expect(part).toContain(`${publicUrl}/u/preview`);
      expect(part).toContain(`${publicUrl}/p/preview`);
      const ownLinks = [...part.matchAll(new RegExp(`${publicUrl}/(u|p)/[^\\s"<>]*`, 'g'))];
      expect(ownLinks.map((m) => m[0]).every((url) => /\/(u|p)\/preview$/.test(url))).toBe(true);
    }
    expect(german.size).toBe(Buffer.byteLength(german.html));
  });

  it('checks every variant the edition goes out in', async () => {
    const { checks } = await preview({});
    expect(checks.filter((check) => check.level === 'error')).toEqual([]);
    expect(checks.map((check) => check.code)).not.toContain('spam-score');
  });

  it('names an unknown language, region or role', async () => {
    const result = await editions.preview(editionId, {
      language: 'xx',
      region: '99999',
      role: 'astronaut',
    });
    expect(result).toEqual({
      kind: 'invalid',
      errors: {
        language: 'editions.errors.language',
        region: 'editions.errors.region',
        role: 'editions.errors.role',
      },
    });
    expect(await editions.preview(999_999)).toEqual({ kind: 'missing' });
  });
});
