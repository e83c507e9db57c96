import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as caughtMails from '../../../db/queries/caught-mails.js';
import type { CaughtMail } from '../../../workers/mail-catcher.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';

export type CaughtMailRow = caughtMails.CaughtMailRow;

/**
 * The built-in mail catcher's inbox: what it received when no SMTP_URL is set, kept in the
 * database for admins to read at /admin/mail.
 */
export class MailCatcherService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  store(mail: CaughtMail): number {
    return caughtMails.storeCaughtMail(mail, this.db);
  }

  /** The newest messages first. */
  list(limit = 200): CaughtMailRow[] {
    return caughtMails.listCaughtMails(limit, this.db);
  }

  find(id: number): CaughtMailRow | undefined {
    return caughtMails.findCaughtMail(id, this.db);
  }

  clear(actor: Actor): void {
    transaction(this.db, (tx) => {
      caughtMails.clearCaughtMails(tx);
      recordAction(auditWho(actor), 'clear', 'caught-mail', null, undefined, tx);
    });
  }
}
