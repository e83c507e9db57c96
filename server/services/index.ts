import { TrackingService } from './tracking/index.js';
import { AccountService, ApiTokenService } from './accounts/index.js';
import { AuditService } from './audit/index.js';
import { BounceService } from './bounces/index.js';
import { CampaignService } from './campaigns/index.js';
import type { ServiceContext } from './context.js';
import { AttendanceService } from './attendance/index.js';
import { ConsultationService } from './consultations/index.js';
import { EventService } from './events/index.js';
import { DashboardService } from './dashboard/index.js';
import { EditionService } from './editions/index.js';
import { ImportService } from './imports/index.js';
import { ItemService } from './items/index.js';
import { MailCatcherService } from './mail-catcher/index.js';
import { MailOutbox } from './mail-outbox/index.js';
import { MailTextService } from './mail-texts/index.js';
import { MultiplierService } from './multipliers/index.js';
import { HealthService } from './operations/health.js';
import { OrganisationService } from './organisation/index.js';
import { ReferenceService } from './reference/index.js';
import { RegistrationService } from './registrations/index.js';
import { SubscriberService } from './subscribers/index.js';
import { IndicatorService } from './indicators/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriberService;
  imports: ImportService;
  reference: ReferenceService;
  items: ItemService;
  editions: EditionService;
  campaigns: CampaignService;
  bounces: BounceService;
  accounts: AccountService;
  apiTokens: ApiTokenService;
  audit: AuditService;
  mailTexts: MailTextService;
  organisation: OrganisationService;
  mailCatcher: MailCatcherService;
  mailOutbox: MailOutbox;
  consultations: ConsultationService;
  events: EventService;
  tracking: TrackingService;
  dashboard: DashboardService;
  health: HealthService;
  multipliers: MultiplierService;
  attendance: AttendanceService;
  registrations: RegistrationService;
  indicators: IndicatorService;
}

export function createServices(ctx: ServiceContext): Services {
  const organisation = new OrganisationService(ctx);
  const editions = new EditionService(ctx, organisation);
  const tracking = new TrackingService(ctx);
  const subscribers = new SubscriberService(ctx);
  return {
    subscribers,
    imports: new ImportService(ctx),
    reference: new ReferenceService(ctx),
    items: new ItemService(ctx),
    editions,
    campaigns: new CampaignService(ctx, organisation, editions, tracking),
    bounces: new BounceService(ctx, organisation),
    accounts: new AccountService(ctx),
    apiTokens: new ApiTokenService(ctx),
    audit: new AuditService(ctx),
    mailTexts: new MailTextService(ctx, organisation),
    organisation,
    mailCatcher: new MailCatcherService(ctx),
    mailOutbox: new MailOutbox(ctx),
    consultations: new ConsultationService(ctx),
    events: new EventService(ctx),
    tracking,
    dashboard: new DashboardService(ctx),
    health: new HealthService(ctx),
    multipliers: new MultiplierService(ctx),
    attendance: new AttendanceService(ctx, organisation),
    registrations: new RegistrationService(ctx, subscribers.signup),
    indicators: new IndicatorService(ctx, organisation),
  };
}

export type { Actor, ServiceContext } from './context.js';
