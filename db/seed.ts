import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { lists, regions, roles, topics } from './schema.js';
import type * as schema from './schema.js';

const seedDir = join(dirname(fileURLToPath(import.meta.url)), 'seed');
const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(seedDir, name), 'utf8')) as T;

interface RegionsFile {
  regions: { ags: string; name: string; kind: string }[];
  extra: { key: string; name: string }[];
}
interface LabelledFile {
  roles?: { key: string; de: string; en: string }[];
  topics?: { key: string; de: string; en: string }[];
}

/** The shipped indicator targets of the project period (`seed/indicators.json`). */
export interface SeededIndicators {
  period: { from: string; to: string };
  targets: { key: string; de: string; target: number; unit: string }[];
}

export function seededIndicators(): SeededIndicators {
  return readJson<SeededIndicators>('indicators.json');
}

/** The consent text version shown on the form; bump it when the wording in i18n changes. */
export const CONSENT_TEXT_VERSION = '2026-11-26';

/**
 * Insert the shipped defaults where they are missing. Existing rows are never overwritten, so a
 * network that renamed a region or added a role keeps its own data.
 */
export function seedDefaults(db: BetterSQLite3Database<typeof schema>): void {
  const regionFile = readJson<RegionsFile>('regions.json');
  const regionRows = [
    ...regionFile.regions.map((r, i) => ({ key: r.ags, name: r.name, kind: r.kind, position: i })),
    ...regionFile.extra.map((r, i) => ({
      key: r.key,
      name: r.name,
      kind: 'extra',
      position: 1000 + i,
    })),
  ];
  const roleFile = readJson<LabelledFile>('roles.json');
  const topicFile = readJson<LabelledFile>('topics.json');
  db.transaction((tx) => {
    tx.insert(regions).values(regionRows).onConflictDoNothing().run();
    tx.insert(roles)
      .values(
        (roleFile.roles ?? []).map((r, i) => ({
          key: r.key,
          labels: { de: r.de, en: r.en },
          position: i,
        })),
      )
      .onConflictDoNothing()
      .run();
    tx.insert(topics)
      .values(
        (topicFile.topics ?? []).map((t, i) => ({
          key: t.key,
          labels: { de: t.de, en: t.en },
          position: i,
        })),
      )
      .onConflictDoNothing()
      .run();
    tx.insert(lists)
      .values({
        key: 'newsletter',
        name: 'Newsletter',
        description: 'Förderung, Beratung, Ansprechstellen, Weiterbildung und Vernetzung',
      })
      .onConflictDoNothing()
      .run();
  });
}
