import type { ServiceContext } from './context.js';
import { ImportService } from './imports/index.js';
import { ReferenceService } from './reference/index.js';
import { SubscriptionService } from './subscribers/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriptionService;
  reference: ReferenceService;
  imports: ImportService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subscribers: new SubscriptionService(ctx),
    reference: new ReferenceService(ctx),
    imports: new ImportService(ctx),
  };
}

export type { Actor, ServiceContext } from './context.js';
