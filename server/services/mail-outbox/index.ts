import type { Tx } from '../../../db/client.js';
import { transaction } from '../../../db/client.js';
import * as outbox from '../../../db/queries/mail-outbox.js';
import {
  mailJobId,
  queueMails,
  type MailJob,
  type MailJobName,
  type MailRequest,
} from '../../../workers/queues.js';
import { DAY_MS } from '../../infra/security.js';
import type { ServiceContext } from '../context.js';

/** How long the request that owes a mail has to queue it before the sweep does. */
export const OUTBOX_GRACE_MS = 60_000;
/** How long owed mails are remembered (a job id seen again within it is not owed twice). */
export const OUTBOX_KEEP_DAYS = 30;
/** Rows queued per round of the sweep. */
const SWEEP_BATCH = 500;

/** A mail noted as owed, to be queued under its job id. */
export interface OwedMail extends MailJob {
  id: number;
}

/**
 * The mails that committed changes owe: confirmation, welcome, preferences link … A change notes
 * its mails in its own transaction (`owe`), and queues them after the commit (`send`). When Redis
 * cannot take them — it is down, or the process dies in between — the change still stands and
 * the request is answered as usual: the sweep queues every mail still owed a minute later,
 * under its original job id, so BullMQ never takes one twice.
 */
export class MailOutbox {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'queues' | 'log'>) {}

  /** Note mails in the caller's transaction; a mail already owed (same job id) is left out. */
  owe(mails: MailRequest[], tx: Tx, now = Date.now()): OwedMail[] {
    if (!mails.length) return [];
    const rows = mails.map((m) => ({
      name: m.name,
      subscriberId: 'subscriberId' in m ? m.subscriberId : null,
      testSendId: 'testSendId' in m ? m.testSendId : null,
      registrationId: 'registrationId' in m ? m.registrationId : null,
      jobId: mailJobId(m),
    }));
    return outbox.addMails(rows, now, tx).map(owedMail);
  }

  /** Queue owed mails after the commit; when Redis cannot take them, the sweep will. */
  async send(owed: OwedMail[]): Promise<void> {
    if (!owed.length) return;
    try {
      await this.queue(owed);
    } catch (err) {
      this.ctx.log.warn(
        { err: (err as Error).message, mails: owed.map((m) => m.jobId) },
        'mail not queued; the outbox sweep queues it once Redis is back',
      );
    }
  }

  /** Queue every mail still owed after the grace period; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let queued = 0;
    for (;;) {
      const lost = outbox.unqueuedMails(now - OUTBOX_GRACE_MS, SWEEP_BATCH, this.ctx.db);
      if (!lost.length) return queued;
      await this.queue(lost.map(owedMail));
      queued += lost.length;
    }
  }

  /** Forget owed mails older than the keeping period; returns how many. */
  purge(now = Date.now()): number {
    const cutoff = now - OUTBOX_KEEP_DAYS * DAY_MS;
    return transaction(this.ctx.db, (tx) => outbox.purgeMails(cutoff, tx));
  }

  private async queue(owed: OwedMail[]): Promise<void> {
    await queueMails(this.ctx.queues, owed);
    const ids = owed.map((m) => m.id);
    transaction(this.ctx.db, (tx) => outbox.markQueued(ids, Date.now(), tx));
  }
}

/** The outbox holds only names of mail jobs: the service writes them from MailRequest. */
const owedMail = (row: outbox.OutboxMail): OwedMail => ({
  id: row.id,
  name: row.name as MailJobName,
  data:
    row.testSendId !== null
      ? { testSendId: row.testSendId }
      : row.registrationId !== null
        ? { registrationId: row.registrationId }
        : { subscriberId: row.subscriberId! },
  jobId: row.jobId,
});
