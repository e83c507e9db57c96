import fp from 'fastify-plugin';
import type { Database_ } from '../../db/client.js';
import type { Queues } from '../../workers/queues.js';
import type { Config } from '../config.js';
import type { Secrets } from '../infra/security.js';
import type { SubscriptionService } from '../services/subscribers/index.js';

export interface Services {
  config: Config;
  database: Database_;
  queues: Queues;
  secrets: Secrets;
  subscriptions: SubscriptionService;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database_;
    queues: Queues;
    secrets: Secrets;
    subscriptions: SubscriptionService;
  }
}

/** Makes the process-wide services (config, database, queues, secrets) available to routes. */
export default fp<Services>(
  async (app, services) => {
    app.decorate('config', services.config);
    app.decorate('database', services.database);
    app.decorate('queues', services.queues);
    app.decorate('secrets', services.secrets);
    app.decorate('subscriptions', services.subscriptions);
  },
  { name: 'services' },
);
