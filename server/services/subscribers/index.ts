import { transaction } from '../../../db/client.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import { DAY_MS } from '../../infra/security.js';
import type { ServiceContext } from '../context.js';
import { SubscriberExports } from './export.js';
import { SubscriberLookup } from './lookup.js';
import { SubscriberManagement } from './manage.js';
import { SignUpService } from './signup.js';

/**
 * Everything about subscribers, by concern: what a person does for themself (`signup`), what
 * editors do in the admin UI and the API (`manage`), reading (`lookup`) and downloads
 * (`exports`); plus the retention chores the maintenance worker runs.
 */
export class SubscriberService {
  readonly signup: SignUpService;
  readonly manage: SubscriberManagement;
  readonly lookup: SubscriberLookup;
  readonly exports: SubscriberExports;

  constructor(private readonly ctx: ServiceContext) {
    this.signup = new SignUpService(ctx);
    this.manage = new SubscriberManagement(ctx, this.signup);
    this.lookup = new SubscriberLookup(ctx);
    this.exports = new SubscriberExports(ctx);
  }

  /** Sign-ups never confirmed within the retention period go, with their sign-up records. */
  purgeUnconfirmed(): number {
    const cutoff = Date.now() - this.ctx.config.unconfirmedRetentionDays * DAY_MS;
    return transaction(this.ctx.db, (tx) => subscribers.purgeUnconfirmed(cutoff, tx));
  }
}

export { subscriberStatuses, type SubscriberStatus } from '../../../db/schema.js';
export type { SubscriberFilter } from '../../../db/queries/filters.js';
export {
  subscriberSorts,
  type Cursor,
  type SortDirection,
  type SubscriberSort,
} from '../../../db/queries/subscriber-admin.js';
export type {
  ConsentEvent,
  Profile,
  RequestMeta,
  Subscriber,
  SubscriberWithProfile,
} from '../../../db/queries/subscribers.js';
export type { AddInput, AddResult, Origin, UpdateInput, UpdateResult } from './manage.js';
export { checkCursor, checkSearch, type PageQuery } from './lookup.js';
export type { Confirmation, ConfirmLink, SignUpOutcome } from './signup.js';
export * from './profile.js';
