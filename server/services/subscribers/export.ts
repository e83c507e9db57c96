import type { Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import type { SubscriberFilter } from '../../../db/queries/filters.js';
import * as admin from '../../../db/queries/subscriber-admin.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import { CSV_BOM, csvRow, type CsvValue } from '../../infra/csv.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';

const CHUNK = 500;

export const SUBSCRIBER_COLUMNS = [
  'email',
  'name',
  'status',
  'region',
  'roles',
  'topics',
  'language',
  'lists',
  'created',
  'confirmed',
] as const;

export const CONSENT_COLUMNS = [
  'id',
  'at',
  'kind',
  'subscriber_id',
  'email',
  'email_hash',
  'ip',
  'user_agent',
  'channel',
  'source',
  'consent_text_version',
  'list_ids',
  'details',
] as const;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

/** The CSV row of one subscriber (roles, topics and active lists joined with "; "). */
export function subscriberCsvCells(r: admin.ExportRow): CsvValue[] {
  return [
    r.email,
    r.name,
    r.status,
    r.region,
    r.roles,
    r.topics,
    r.language,
    r.lists,
    iso(r.createdAt),
    iso(r.confirmedAt),
  ];
}

/** The CSV row of one consent record; the address only while the person exists. */
export function consentCsvCells(r: admin.ConsentExportRow): CsvValue[] {
  return [
    r.id,
    iso(r.at),
    r.kind,
    r.subscriberId,
    r.email,
    r.emailHash,
    r.ip,
    r.userAgent,
    r.channel,
    r.source,
    r.consentTextVersion,
    r.listIds ? r.listIds.join(' ') : '',
    r.details ? JSON.stringify(r.details) : '',
  ];
}

/** Downloads of personal data: each one is an audit entry. */
export class SubscriberExports {
  private readonly db: Db;

  constructor(ctx: ServiceContext) {
    this.db = ctx.db;
  }

  /** The filtered subscribers as CSV text (with BOM), streamed a chunk at a time. */
  subscriberCsv(actor: Actor, filter: SubscriberFilter): AsyncIterable<string> {
    recordAction(
      auditWho(actor),
      'export',
      'subscribers',
      null,
      { format: 'csv', filter },
      this.db,
    );
    return chunked(
      SUBSCRIBER_COLUMNS,
      (afterId) => admin.exportChunk(filter, afterId, CHUNK, this.db),
      subscriberCsvCells,
    );
  }

  /** The whole consent log as CSV text (with BOM). */
  consentCsv(actor: Actor): AsyncIterable<string> {
    recordAction(auditWho(actor), 'export', 'consent', null, { format: 'csv' }, this.db);
    return chunked(
      CONSENT_COLUMNS,
      (afterId) => admin.consentChunk(afterId, CHUNK, this.db),
      consentCsvCells,
    );
  }

  /** Everything stored about one person (the JSON download). */
  personData(actor: Actor, id: number) {
    const data = subscribers.exportData(id, this.db);
    if (data)
      recordAction(auditWho(actor), 'export', 'subscriber', id, { format: 'json' }, this.db);
    return data;
  }
}

async function* chunked<R extends { id: number }>(
  header: readonly string[],
  next: (afterId: number) => R[],
  cells: (row: R) => CsvValue[],
): AsyncGenerator<string> {
  yield CSV_BOM + csvRow([...header]);
  let afterId = 0;
  for (;;) {
    const chunk = next(afterId);
    if (!chunk.length) return;
    yield chunk.map((r) => csvRow(cells(r))).join('');
    afterId = chunk.at(-1)!.id;
    // Let other requests run between chunks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
