/**
 * The signature list as a PDF that a reader opens: the organisation, the funder line, the event
 * and the people by name in every script the network's members write (Latin, Cyrillic,
 * Arabic), the column headings on every page, and empty rows for walk-ins.
 */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttendanceService } from '../../../../server/services/attendance/index.js';
import { visualWords } from '../../../../server/services/attendance/signature-list.js';
import type { Actor } from '../../../../server/services/context.js';
import { EventService } from '../../../../server/services/events/index.js';
import { OrganisationService } from '../../../../server/services/organisation/index.js';
import { insertRegistrations } from '../../../helpers/registrations.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let service: AttendanceService;
let events: EventService;
const admin: Actor = { kind: 'cli' };

/** The text of each page, its items joined by spaces. */
async function pdfPages(bytes: Buffer): Promise<string[]> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(
      content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join(' ')
        .replace(/\s+/g, ' '),
    );
  }
  await pdf.destroy();
  return pages;
}

function createEvent(title: string, extra: Record<string, string> = {}): number {
  const result = events.create(
    {
      type: 'meeting',
      title,
      startsAt: '2026-05-04T10:00',
      endsAt: '2026-05-04T16:00',
      place: 'Bürgerhaus Thale',
      ...extra,
    },
    admin,
  );
  if (result.kind !== 'saved') throw new Error('event not saved');
  return result.event.id;
}

beforeAll(() => {
  ctx = serviceTestContext({ ORG_NAME: 'Netzwerk Ankommen Sachsen-Anhalt' });
  const organisation = new OrganisationService(ctx);
  const saved = organisation.update(
    { funderAttribution: 'Gefördert durch den Asyl-, Migrations- und Integrationsfonds' },
    admin,
  );
  if (saved.kind !== 'saved') throw new Error('settings not saved');
  service = new AttendanceService(ctx, organisation);
  events = new EventService(ctx);
});

afterAll(() => ctx?.close());

const headings = ['Nr.', 'Name', 'Organisation', 'Region', 'Unterschrift'];

describe('visualWords', () => {
  it('orders the words of a line as they are seen from left to right', () => {
    expect(visualWords('Anna Bauer')).toEqual(['Anna', 'Bauer']);
    expect(visualWords('فاطمة الزهراء')).toEqual(['الزهراء', 'فاطمة']);
    expect(visualWords('Anna جمعية النساء e.V.')).toEqual(['Anna', 'النساء', 'جمعية', 'e.V.']);
    expect(visualWords('جمعية e.V. Halle')).toEqual(['e.V.', 'Halle', 'جمعية']);
  });
});

describe('the signature list', () => {
  it('names the organisation, the funder, the event and the people in their scripts', async () => {
    const eventId = createEvent('Praxistreffen Willkommenskultur');
    insertRegistrations(ctx.database, eventId, [
      { name: 'Олена Коваленко', organisation: 'Український дім', regionKey: '15002' },
      { name: 'Anna Bauer', organisation: 'Verein Brücke', regionKey: '15085' },
      { name: 'فاطمة الزهراء', organisation: 'Frauencafé' },
      { name: 'Bernd Storno', status: 'cancelled' },
    ]);
    const bytes = (await service.signatureList(eventId))!;
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pdfPages(bytes);
    expect(pages).toHaveLength(1);
    const text = pages[0]!;
    for (const expected of [
      'Netzwerk Ankommen Sachsen-Anhalt',
      'Gefördert durch den Asyl-, Migrations- und Integrationsfonds',
      'Unterschriftenliste',
      'Praxistreffen Willkommenskultur',
      '04.05.2026, 10:00–16:00 · Bürgerhaus Thale',
      ...headings,
      'Anna Bauer',
      'Verein Brücke',
      'Harz',
      'Олена Коваленко',
      'Український дім',
      'Halle (Saale)',
      'Frauencafé',
    ])
      expect(text).toContain(expected);
    // Arabic reads right to left: a reader gives the words back in their order.
    expect(text).toContain('فاطمة الزهراء');
    expect(text).not.toContain('Bernd Storno');
    // By name: Anna, then Олена (Latin before Cyrillic), then the Arabic name; numbered.
    expect(text.indexOf('Anna Bauer')).toBeLessThan(text.indexOf('Олена Коваленко'));
    expect(text).toMatch(/\b1 Anna Bauer\b/);
    // Rows for walk-ins follow, numbered on: at least 10 beyond the three people, then to the
    // end of the page.
    expect(text).toContain('Frauencafé 4 5 6 7 8 9 10 11 12 13 ');
    expect(text).toContain('Seite 1 von 1');
  });

  it('repeats the column headings on every page with 60 people', async () => {
    const eventId = createEvent('Großes Vernetzungstreffen');
    insertRegistrations(
      ctx.database,
      eventId,
      Array.from({ length: 60 }, (_, i) => ({
        name: `Teilnehmerin ${String(i + 1).padStart(2, '0')}`,
        organisation: `Verein ${i + 1}`,
      })),
    );
    const pages = await pdfPages((await service.signatureList(eventId))!);
    // 23 rows on the first page (below the event's details), 26 on each further one: the 60
    // people and 10 empty rows need three pages; the last one fills up with empty rows.
    expect(pages).toHaveLength(3);
    pages.forEach((text, i) => {
      for (const heading of headings) expect(text).toContain(heading);
      expect(text).toContain(`Seite ${i + 1} von 3`);
    });
    expect(pages[1]).toContain('Großes Vernetzungstreffen · 04.05.2026, 10:00–16:00');
    const all = pages.join(' ');
    for (let i = 1; i <= 60; i++)
      expect(all).toContain(`Teilnehmerin ${String(i).padStart(2, '0')}`);
    expect(pages[2]).toContain('Teilnehmerin 60');
  });

  it('is undefined for an event that does not exist', async () => {
    expect(await service.signatureList(999_999)).toBeUndefined();
  });
});
