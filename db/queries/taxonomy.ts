import { asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../client.js';
import {
  regions,
  roles,
  subscriberRoles,
  subscribers,
  subscriberTopics,
  topics,
} from '../schema.js';

/**
 * Regions, roles and topics as the admin edits them: every row, active or not. Keys never
 * change (subscribers, segments and imports refer to them); labels, order and `active` do.
 */
export type Region = typeof regions.$inferSelect;
export type Role = typeof roles.$inferSelect;
export type Topic = typeof topics.$inferSelect;
export type LabelledKind = 'roles' | 'topics';
export type TaxonomyKind = 'regions' | LabelledKind;

export interface Usage {
  /** subscribers that refer to the key */
  subscribers: number;
}

export function allRegions(tx: Tx): (Region & Usage)[] {
  const used = new Map(
    tx
      .select({ key: subscribers.regionKey, n: sql<number>`count(*)` })
      .from(subscribers)
      .groupBy(subscribers.regionKey)
      .all()
      .map((r) => [r.key, r.n]),
  );
  return tx
    .select()
    .from(regions)
    .orderBy(asc(regions.position), asc(regions.key))
    .all()
    .map((r) => ({ ...r, subscribers: used.get(r.key) ?? 0 }));
}

export function allLabelled(kind: LabelledKind, tx: Tx): ((Role | Topic) & Usage)[] {
  const table = kind === 'roles' ? roles : topics;
  const link =
    kind === 'roles'
      ? { key: subscriberRoles.roleKey, table: subscriberRoles }
      : { key: subscriberTopics.topicKey, table: subscriberTopics };
  const used = new Map(
    tx
      .select({ key: link.key, n: sql<number>`count(*)` })
      .from(link.table)
      .groupBy(link.key)
      .all()
      .map((r) => [r.key, r.n]),
  );
  return tx
    .select()
    .from(table)
    .orderBy(asc(table.position), asc(table.key))
    .all()
    .map((r) => ({ ...r, subscribers: used.get(r.key) ?? 0 }));
}

export function findRegion(key: string, tx: Tx): Region | undefined {
  return tx.select().from(regions).where(eq(regions.key, key)).get();
}

export function findLabelled(kind: LabelledKind, key: string, tx: Tx): Role | Topic | undefined {
  const table = kind === 'roles' ? roles : topics;
  return tx.select().from(table).where(eq(table.key, key)).get();
}

export function keyExists(kind: TaxonomyKind, key: string, tx: Tx): boolean {
  return kind === 'regions' ? !!findRegion(key, tx) : !!findLabelled(kind, key, tx);
}

/** Every key of a kind, active or not (people may still carry an inactive one). */
export function allKeys(kind: TaxonomyKind, tx: Tx): string[] {
  const table = kind === 'regions' ? regions : kind === 'roles' ? roles : topics;
  return tx
    .select({ key: table.key })
    .from(table)
    .all()
    .map((r) => r.key);
}

function nextPosition(kind: TaxonomyKind, tx: Tx): number {
  const table = kind === 'regions' ? regions : kind === 'roles' ? roles : topics;
  return (
    (tx
      .select({ n: sql<number>`max(${table.position})` })
      .from(table)
      .get()?.n ?? -1) + 1
  );
}

export interface RegionInput {
  name: string;
  kind: string;
  position?: number;
  active: boolean;
}

export function createRegion(key: string, input: RegionInput, tx: Tx): Region {
  return tx
    .insert(regions)
    .values({ key, ...input, position: input.position ?? nextPosition('regions', tx) })
    .returning()
    .get();
}

export function updateRegion(key: string, input: RegionInput, tx: Tx): boolean {
  const { position, ...rest } = input;
  return (
    tx
      .update(regions)
      .set(position === undefined ? rest : input)
      .where(eq(regions.key, key))
      .returning()
      .all().length > 0
  );
}

export interface LabelledInput {
  labels: Record<string, string>;
  position?: number;
  active: boolean;
}

export function createLabelled(
  kind: LabelledKind,
  key: string,
  input: LabelledInput,
  tx: Tx,
): Role | Topic {
  const table = kind === 'roles' ? roles : topics;
  return tx
    .insert(table)
    .values({ key, ...input, position: input.position ?? nextPosition(kind, tx) })
    .returning()
    .get();
}

export function updateLabelled(
  kind: LabelledKind,
  key: string,
  input: LabelledInput,
  tx: Tx,
): boolean {
  const table = kind === 'roles' ? roles : topics;
  const { position, ...rest } = input;
  return (
    tx
      .update(table)
      .set(position === undefined ? rest : input)
      .where(eq(table.key, key))
      .returning()
      .all().length > 0
  );
}
