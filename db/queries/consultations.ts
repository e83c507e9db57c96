import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { consultations, type ConsultationKind } from '../schema.js';

export type Consultation = typeof consultations.$inferSelect;

/** A consultation as it is stored (the service has checked it). */
export interface ConsultationInput {
  heldOn: string;
  kind: ConsultationKind;
  regionKey: string | null;
  topic: string;
  followUp: string;
  people: number;
}

/** Which consultations: days are `YYYY-MM-DD`, both ends included. */
export interface ConsultationFilter {
  from?: string;
  to?: string;
  kind?: ConsultationKind;
  regionKey?: string;
}

function conditions(filter: ConsultationFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.from) where.push(gte(consultations.heldOn, filter.from));
  if (filter.to) where.push(lte(consultations.heldOn, filter.to));
  if (filter.kind) where.push(eq(consultations.kind, filter.kind));
  if (filter.regionKey) where.push(eq(consultations.regionKey, filter.regionKey));
  return where;
}

export function createConsultation(
  input: ConsultationInput,
  createdBy: number | null,
  tx: Tx,
): Consultation {
  return tx
    .insert(consultations)
    .values({ ...input, createdBy })
    .returning()
    .get();
}

export function findConsultation(id: number, tx: Tx): Consultation | undefined {
  return tx.select().from(consultations).where(eq(consultations.id, id)).get();
}

/**
 * Newest first (by day, then by id), keyset-paginated: `before` is the day and id of the last
 * row of the previous page.
 */
export function listConsultations(
  filter: ConsultationFilter & { before?: { heldOn: string; id: number }; limit: number },
  tx: Tx,
): Consultation[] {
  const where = conditions(filter);
  if (filter.before) {
    const { heldOn, id } = filter.before;
    where.push(
      or(
        lt(consultations.heldOn, heldOn),
        and(eq(consultations.heldOn, heldOn), lt(consultations.id, id)),
      )!,
    );
  }
  return tx
    .select()
    .from(consultations)
    .where(and(...where))
    .orderBy(desc(consultations.heldOn), desc(consultations.id))
    .limit(filter.limit)
    .all();
}

/** How many consultations match, and how many people took part in them. */
export function countConsultations(
  filter: ConsultationFilter,
  tx: Tx,
): { consultations: number; people: number } {
  const row = tx
    .select({
      n: sql<number>`count(*)`,
      people: sql<number>`coalesce(sum(${consultations.people}), 0)`,
    })
    .from(consultations)
    .where(and(...conditions(filter)))
    .get();
  return { consultations: row?.n ?? 0, people: row?.people ?? 0 };
}

export function updateConsultation(id: number, input: ConsultationInput, tx: Tx): boolean {
  return (
    tx
      .update(consultations)
      .set({ ...input, updatedAt: Date.now() })
      .where(eq(consultations.id, id))
      .returning({ id: consultations.id })
      .all().length > 0
  );
}

export function deleteConsultation(id: number, tx: Tx): boolean {
  return (
    tx
      .delete(consultations)
      .where(eq(consultations.id, id))
      .returning({ id: consultations.id })
      .all().length > 0
  );
}
