/**
 * Items that point to an event: the item library accepts only events that exist, the links
 * name the event's page with the edition (and campaign) as source, and the newsletter's
 * "Register" button of such an item opens that page, in the HTML and in the text part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileVariant } from '../../../../emails/newsletter/index.js';
import type { Actor } from '../../../../server/services/context.js';
import { EventService } from '../../../../server/services/events/index.js';
import { ItemService } from '../../../../server/services/items/index.js';
import { eventLinks } from '../../../../server/services/registrations/links.js';
import { item, org } from '../../../helpers/edition.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;
let items: ItemService;
let eventId: number;
let slug: string;
const actor: Actor = { kind: 'cli' };

beforeAll(() => {
  ctx = serviceTestContext();
  items = new ItemService(ctx);
  const saved = new EventService(ctx).create(
    {
      type: 'training',
      title: 'Vereinsrecht kompakt',
      startsAt: '2031-06-15T18:00',
      place: 'Rathaus Wernigerode',
    },
    actor,
  );
  if (saved.kind !== 'saved') throw new Error('no event');
  eventId = saved.event.id;
  slug = saved.event.slug;
});

afterAll(() => ctx?.close());

describe('an item’s event', () => {
  it('is taken by trainings and meetings when the event exists', () => {
    const saved = items.create(
      { type: 'training', title: 'Vereinsrecht', fields: { event: String(eventId) } },
      actor,
    );
    expect(saved.kind).toBe('saved');
    if (saved.kind === 'saved') expect(saved.item.fields).toEqual({ event: String(eventId) });
    const meeting = items.create(
      { type: 'meeting', title: 'Treffen', fields: { event: String(eventId) } },
      actor,
    );
    expect(meeting.kind).toBe('saved');
  });

  it('is refused when the event does not exist, or for other types', () => {
    for (const event of ['99999', 'abc', '0'])
      expect(items.create({ type: 'training', title: 'X', fields: { event } }, actor)).toEqual({
        kind: 'invalid',
        errors: { 'fields.event': 'items.errors.event' },
      });
    expect(
      items.create({ type: 'funding', title: 'X', fields: { event: String(eventId) } }, actor),
    ).toEqual({ kind: 'invalid', errors: { 'fields.event': 'items.errors.unknownField' } });
  });
});

describe('eventLinks', () => {
  it('names the event page with the edition and campaign, and leaves out events that are gone', () => {
    const links = eventLinks(
      [
        item('training', 'A', { fields: { event: String(eventId) } }),
        item('meeting', 'B', { fields: { event: '99999' } }),
        item('training', 'C', { fields: { url: 'https://example.org' } }),
      ],
      'https://news.example.org',
      { ed: 12, cp: 34 },
      ctx.db,
    );
    expect(links).toEqual({
      [String(eventId)]: `https://news.example.org/events/${slug}?ed=12&cp=34`,
    });
  });
});

describe('the newsletter', () => {
  it('draws the item’s Register button to the event page', async () => {
    const training = item('training', 'Vereinsrecht kompakt', {
      fields: { event: String(eventId), url: 'https://elsewhere.example.org/anmeldung' },
    });
    const plain = item('meeting', 'Ohne Veranstaltung', {
      fields: { url: 'https://elsewhere.example.org/treffen' },
    });
    const link = `https://news.example.org/events/${slug}?ed=12&cp=34`;
    const compiled = await compileVariant(
      {
        number: 12,
        title: 'Ausgabe 12',
        subject: 'Termine',
        preheader: '',
        intro: '',
        translations: {},
        sections: [
          { type: 'training', heading: 'Fortbildungen', elsewhere: 'show', items: [training] },
          { type: 'meeting', heading: 'Treffen', elsewhere: 'show', items: [plain] },
        ],
        eventLinks: { [String(eventId)]: link },
      },
      { language: 'de', region: null, role: null },
      org,
    );
    const href = link.replace(/&/g, '&amp;');
    expect(compiled.html).toContain(`href="${href}"`);
    expect(compiled.html).not.toContain('https://elsewhere.example.org/anmeldung');
    expect(compiled.html).toContain('https://elsewhere.example.org/treffen');
    expect(compiled.text).toContain(link);
  });
});
