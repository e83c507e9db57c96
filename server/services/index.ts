import { AccountService, ApiTokenService } from './accounts/index.js';
import { AuditService } from './audit/index.js';
import type { ServiceContext } from './context.js';
import { DashboardService } from './dashboard/index.js';
import { MailCatcherService } from './mail-catcher/index.js';
import { MailTextService } from './mail-texts/index.js';
import { SubscriptionService } from './subscribers/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriptionService;
  accounts: AccountService;
  apiTokens: ApiTokenService;
  audit: AuditService;
  mailTexts: MailTextService;
  mailCatcher: MailCatcherService;
  dashboard: DashboardService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subscribers: new SubscriptionService(ctx),
    accounts: new AccountService(ctx),
    apiTokens: new ApiTokenService(ctx),
    audit: new AuditService(ctx),
    mailTexts: new MailTextService(ctx),
    mailCatcher: new MailCatcherService(ctx),
    dashboard: new DashboardService(ctx),
  };
}

export type { Actor, ServiceContext } from './context.js';
