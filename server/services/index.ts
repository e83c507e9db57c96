import type { ServiceContext } from './context.js';
import { ImportService } from './imports/index.js';
import { ReferenceService } from './reference/index.js';
import { SubscriberService } from './subscribers/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriberService;
  reference: ReferenceService;
  imports: ImportService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    subscribers: new SubscriberService(ctx),
    reference: new ReferenceService(ctx),
    imports: new ImportService(ctx),
  };
}

export type { Actor, ServiceContext } from './context.js';
