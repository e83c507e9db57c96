import type { Db } from '../../../db/client.js';
import { subscriberCounts } from '../../../db/queries/subscribers.js';
import type { ServiceContext } from '../context.js';

/** The admin start page's figures: what an editor sees first. */
export class DashboardService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  /** Subscribers by status (confirmed, unconfirmed, blocked …). */
  subscriberCounts(): Record<string, number> {
    return subscriberCounts(this.db);
  }
}
