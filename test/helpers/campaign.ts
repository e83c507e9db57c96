import { expect } from 'vitest';
import type { Runtime } from '../../server/runtime.js';
import type { Actor } from '../../server/services/context.js';

const cli: Actor = { kind: 'cli' };

/** The organisation a campaign needs before its pre-send check lets it go. */
export function setUpSender(runtime: Runtime, senderAddress = 'newsletter@landnetz.example') {
  const saved = runtime.services.organisation.update(
    {
      name: 'Landnetz Sachsen-Anhalt',
      senderName: 'Landnetz Newsletter',
      senderAddress,
      imprint: 'Landnetz e. V.\nMarkt 1, 06108 Halle',
      funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung',
    },
    cli,
  );
  if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved.errors));
}

/**
 * Confirmed subscribers with these addresses, and a campaign of a new one-item edition to all
 * of them, started and waited for until it is sent. Returns the campaign's id.
 */
export async function sendCampaignTo(
  runtime: Runtime,
  emails: string[],
  timeout = 30_000,
): Promise<number> {
  const insert = runtime.database.sqlite.prepare(
    "insert into subscribers (email, name, language, status, confirmed_at) values (?, '', 'de', 'confirmed', ?)",
  );
  for (const email of emails) insert.run(email, Date.now());
  const { items, editions, reference, campaigns } = runtime.services;
  const item = items.create({ type: 'funding', title: 'Förderprogramm Land', regions: [] }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  const edition = editions.create(
    { title: 'Ausgabe', subject: 'Landnetz aktuell', items: [item.item.id] },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error(JSON.stringify(edition));
  const segment = reference.segments.create(
    { name: `Alle ${Date.now()}`, description: '', match: 'all', rules: [] },
    cli,
  );
  if (segment.kind !== 'saved') throw new Error(JSON.stringify(segment));
  const created = campaigns.create(
    { editionId: edition.edition.id, segmentIds: [segment.segment.id] },
    cli,
  );
  if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
  const started = await campaigns.start(created.campaign.id, cli);
  expect(started.kind, JSON.stringify(started)).toBe('started');
  await expect
    .poll(() => campaigns.find(created.campaign.id)?.status, { timeout, interval: 100 })
    .toBe('sent');
  return created.campaign.id;
}
