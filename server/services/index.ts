import type { ServiceContext } from './context.js';
import { ImportService } from './imports/index.js';
import { SubscriptionService } from './subscribers/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriptionService;
  imports: ImportService;
}

export function createServices(ctx: ServiceContext): Services {
  return { subscribers: new SubscriptionService(ctx), imports: new ImportService(ctx) };
}

export type { Actor, ServiceContext } from './context.js';
