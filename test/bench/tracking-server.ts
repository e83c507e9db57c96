/**
 * One server of the tracking benchmark, in a process of its own: `bare` is a plain Fastify app
 * with the same two routes that do nothing but answer (a GIF, a redirect); `landpost` is
 * Landpost's web role on a seeded database. It tells its port and the paths to load over IPC,
 * and answers `{ask: 'stats'}` with its RSS, the CPU time it used so far and what tracking
 * wrote.
 */
import Fastify from 'fastify';
import { loadConfig } from '../../server/config.js';
import { Secrets } from '../../server/infra/security.js';
import { startRuntime } from '../../server/runtime.js';
import { trackedToken } from '../../server/services/tracking/links.js';

const kind = process.argv[2];
const send = (message: unknown) => process.send!(message);
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const TARGET = 'https://foerderung.example/programm';
/** CPU time this process has used, user and system, in µs. */
const cpu = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

if (kind === 'bare') {
  const app = Fastify({ logger: false });
  app.get('/t/o/:token', async (_req, reply) =>
    reply.header('Cache-Control', 'no-store').type('image/gif').send(PIXEL),
  );
  app.get('/t/c/:token', async (_req, reply) =>
    reply.header('Cache-Control', 'no-store').redirect(TARGET, 302),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const paths = Array.from({ length: 1000 }, (_, i) => `/t/${i % 2 ? 'c' : 'o'}/${i}`);
  send({ port: typeof address === 'object' && address ? address.port : 0, paths });
  process.on('message', () => send({ rss: process.memoryUsage().rss, cpu: cpu() }));
} else {
  const env = JSON.parse(process.argv[3]!) as Record<string, string>;
  const config = loadConfig(env);
  const runtime = await startRuntime(config, 'web');
  const sqlite = runtime.database.sqlite;
  const deliveries = 10_000;
  // A sent campaign of 10,000 deliveries with 12 links, half the people with tracking consent.
  sqlite.exec(`
    insert into editions (number, title, subject, slug, sections, translations, status)
      values (1, 'Nr. 1', 'Landnetz', 'nr-1', '[]', '{}', 'sent');
    insert into campaigns (edition_id, status, segment_ids, list_ids, started_at, finished_at)
      values (1, 'sent', '[]', '[]', 0, 0);
  `);
  sqlite.transaction(() => {
    const subscriber = sqlite.prepare(
      "insert into subscribers (email, status, tracking_consent) values (?, 'confirmed', ?)",
    );
    const delivery = sqlite.prepare(
      "insert into deliveries (campaign_id, edition_id, subscriber_id, status, language, sent_at) values (1, 1, ?, 'sent', 'de', 0)",
    );
    for (let i = 1; i <= deliveries; i++) {
      subscriber.run(`reader${i}@example.org`, i % 2);
      delivery.run(i);
    }
    const link = sqlite.prepare('insert into campaign_links (campaign_id, url) values (1, ?)');
    for (let i = 1; i <= 12; i++) link.run(`${TARGET}/${i}`);
  })();
  const secrets = new Secrets(config.secretKey);
  const paths: string[] = [];
  const variant = { language: 'de', region: null, role: null };
  for (let i = 0; i < 1000; i++) {
    const d = 1 + ((i * 7919) % deliveries);
    const input = { campaignId: 1, deliveryId: d % 2 === 1 ? d : null, variant };
    paths.push(
      i % 2
        ? `/t/c/${trackedToken(secrets, { ...input, kind: 'click', link: 1 + (i % 12) })}`
        : `/t/o/${trackedToken(secrets, { ...input, kind: 'open', link: null })}`,
    );
  }
  const app = runtime.app!;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  send({ port: typeof address === 'object' && address ? address.port : 0, paths });
  process.on('message', () => {
    runtime.services.tracking.flush(Date.now() + 60_000, true);
    send({
      rss: process.memoryUsage().rss,
      written: sqlite.prepare('select count(*) from tracking_events').pluck().get(),
      waiting: runtime.services.tracking.waiting(),
      dropped: runtime.services.tracking.droppedEvents(),
      // After writing what waited: the writes are part of what the requests cost.
      cpu: cpu(),
    });
  });
  process.on('SIGTERM', () => {
    void runtime.stop().then(() => process.exit(0));
  });
}
