import type { ServiceContext } from './context.js';
import { SubscriberService } from './subscribers/index.js';

/** Every service, built once per process from one context; routes, CLI and workers call these. */
export interface Services {
  subscribers: SubscriberService;
}

export function createServices(ctx: ServiceContext): Services {
  return { subscribers: new SubscriberService(ctx) };
}

export type { Actor, ServiceContext } from './context.js';
