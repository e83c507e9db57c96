import type { Db } from '../../../db/client.js';
import * as audit from '../../../db/queries/audit.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';

export type AuditEntry = audit.AuditEntry;

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  /** Only entries older than this id (the next page). */
  beforeId?: number;
}

/**
 * Who did what, when, on which record. Services that change state write their entry inside
 * their own transaction; this service records for callers that have none and reads the log.
 */
export class AuditService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  record(
    actor: Actor,
    action: string,
    entity: string,
    entityId?: string | number | null,
    details?: Record<string, unknown>,
  ): void {
    audit.recordAction(auditWho(actor), action, entity, entityId, details, this.db);
  }

  /** Newest first; a full page carries the id to continue before. */
  page(filter: AuditFilter, size = 50): { entries: AuditEntry[]; nextBefore?: number } {
    const entries = audit.listAudit({ ...filter, limit: size }, this.db);
    return { entries, nextBefore: entries.length === size ? entries.at(-1)?.id : undefined };
  }
}
