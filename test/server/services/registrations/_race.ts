/**
 * One of two web processes taking registrations at the same moment: its own connection to the
 * same SQLite file. It says `ready` once loaded and starts on the line `go`. Run with
 * `node --import tsx`; the config comes from the environment, the rest as JSON in RACE.
 */
import { openDatabase } from '../../../../db/client.js';
import { loadConfig } from '../../../../server/config.js';
import { Secrets } from '../../../../server/infra/security.js';
import { createServices } from '../../../../server/services/index.js';
import { DIRECT_SOURCE } from '../../../../server/services/sources/index.js';
import { createQueues } from '../../../../workers/queues.js';

const { eventIds, email } = JSON.parse(process.env.RACE ?? '{}') as {
  eventIds: number[];
  email: string;
};
const config = loadConfig(process.env);
const database = openDatabase(config.databaseFile);
const queues = createQueues(config.redisUrl!, config.queuePrefix, () => {});
const quiet = { info() {}, warn() {}, error() {} };
const services = createServices({
  db: database.db,
  config,
  secrets: new Secrets(config.secretKey),
  queues,
  log: quiet,
});

await queues.mail.waitUntilReady();
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

const outcomes: string[] = [];
for (const eventId of eventIds) {
  try {
    const outcome = await services.registrations.register(eventId, {
      draft: { name: email, email },
      source: DIRECT_SOURCE,
      language: 'de',
    });
    outcomes.push(outcome.kind);
  } catch (err) {
    outcomes.push(`error: ${(err as Error).message}`);
  }
}
await queues.close();
database.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
