/**
 * Redis restarts in the middle of a campaign: the app's own redis-server (append-only, every
 * write on disk) is killed while mail goes out; its supervisor starts it again on the same port,
 * and the campaign finishes: everybody gets the edition, a second copy only of a delivery marked
 * uncertain.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../../server/services/context.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

const RECIPIENTS = 600;
const cli: Actor = { kind: 'cli' };
let t: TestApp;

beforeAll(async () => {
  // No REDIS_URL: the app starts and supervises its own redis-server in DATA_DIR/redis.
  t = await startTestApp({ env: { REDIS_URL: '', SEND_RETRY_DELAY_MS: '200' } });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

it('finishes a campaign after its Redis was killed and came back', async () => {
  const services = t.runtime.services;
  services.organisation.update(
    { imprint: 'Landnetz e. V.\nMarkt 1', funderAttribution: 'Gefördert von der bpb' },
    cli,
  );
  const sqlite = t.runtime.database.sqlite;
  const insert = sqlite.prepare(
    "insert into subscribers (email, status, confirmed_at) values (?, 'confirmed', ?)",
  );
  sqlite.transaction(() => {
    for (let i = 0; i < RECIPIENTS; i++) insert.run(`k${i}@example.org`, Date.now());
  })();
  const item = services.items.create({ type: 'support', title: 'Hilfe' }, cli);
  if (item.kind !== 'saved') throw new Error('item');
  const edition = services.editions.create(
    { title: 'Nr. 1', subject: 'Landnetz Nr. 1', items: [item.item.id] },
    cli,
  );
  if (edition.kind !== 'saved') throw new Error('edition');
  const segment = services.reference.segments.create(
    { name: 'Alle', description: '', match: 'all', rules: [] },
    cli,
  );
  if (segment.kind !== 'saved') throw new Error('segment');
  const created = services.campaigns.create(
    { editionId: edition.edition.id, segmentIds: [segment.segment.id] },
    cli,
  );
  if (created.kind !== 'saved') throw new Error('campaign');
  const id = created.campaign.id;

  expect(await services.campaigns.start(id, cli)).toEqual({
    kind: 'started',
    audience: RECIPIENTS,
  });
  await expect
    .poll(() => t.smtp.messages.length, { timeout: 60_000, interval: 5 })
    .toBeGreaterThan(150);
  const pid = Number(
    readFileSync(join(t.config.dataDir, 'redis', 'redis-server.pid'), 'utf8').trim(),
  );
  process.kill(pid, 'SIGKILL');
  const atKill = t.smtp.messages.length;

  await expect
    .poll(() => services.campaigns.find(id)?.status, { timeout: 120_000, interval: 250 })
    .toBe('sent');
  const byRecipient = new Map<string, number>();
  for (const mail of t.smtp.messages)
    byRecipient.set(mail.envelopeTo[0]!, (byRecipient.get(mail.envelopeTo[0]!) ?? 0) + 1);
  expect(byRecipient.size).toBe(RECIPIENTS);
  const detail = services.campaigns.find(id)!;
  expect(detail.counts).toMatchObject({ sent: RECIPIENTS, failed: 0 });
  const uncertain = new Set(
    (
      sqlite
        .prepare(
          'select s.email from deliveries d join subscribers s on s.id = d.subscriber_id where d.campaign_id = ? and d.uncertain = 1',
        )
        .all(id) as { email: string }[]
    ).map((r) => r.email),
  );
  for (const [email, copies] of byRecipient)
    if (copies > 1)
      expect(uncertain.has(email), `${email} got ${copies} copies unmarked`).toBe(true);
  console.log(
    `Redis killed after ${atKill} messages; ${[...byRecipient.values()].filter((c) => c > 1).length} second copies, ${uncertain.size} uncertain`,
  );
}, 180_000);
