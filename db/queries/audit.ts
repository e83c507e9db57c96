import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { auditLog } from '../schema.js';

export type AuditEntry = typeof auditLog.$inferSelect;
export type NewAuditEntry = Omit<typeof auditLog.$inferInsert, 'id' | 'at'> & { at?: number };

export function recordAudit(entry: NewAuditEntry, tx: Tx): void {
  tx.insert(auditLog)
    .values({ ...entry, at: entry.at ?? Date.now() })
    .run();
}

/** An action by a user or an API token: the one way routes write the audit log. */
export function recordAction(
  who: { userId?: number | null; apiTokenId?: number | null; actor: string; ip?: string | null },
  action: string,
  entity: string,
  entityId: string | number | null | undefined,
  details: Record<string, unknown> | undefined,
  tx: Tx,
): void {
  recordAudit(
    {
      userId: who.userId ?? null,
      apiTokenId: who.apiTokenId ?? null,
      actor: who.actor,
      action,
      entity,
      entityId: entityId === undefined || entityId === null ? null : String(entityId),
      details: details ?? null,
      ip: who.ip ?? null,
    },
    tx,
  );
}

/** Newest first, keyset-paginated by id. */
export function listAudit(
  filter: { entity?: string; entityId?: string; beforeId?: number; limit?: number },
  tx: Tx,
): AuditEntry[] {
  const where: SQL[] = [];
  if (filter.entity) where.push(eq(auditLog.entity, filter.entity));
  if (filter.entityId) where.push(eq(auditLog.entityId, filter.entityId));
  if (filter.beforeId) where.push(lt(auditLog.id, filter.beforeId));
  return tx
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit ?? 50)
    .all();
}
