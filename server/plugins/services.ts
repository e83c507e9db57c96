import fp from 'fastify-plugin';
import type { Database_ } from '../../db/client.js';
import type { Queues } from '../../workers/queues.js';
import type { Config } from '../config.js';
import type { Secrets } from '../infra/security.js';
import type { Actor } from '../services/context.js';
import type { Services } from '../services/index.js';

/** What the web app is built from. */
export interface AppDeps {
  config: Config;
  database: Database_;
  queues: Queues;
  secrets: Secrets;
  services: Services;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    database: Database_;
    queues: Queues;
    secrets: Secrets;
    services: Services;
  }
  interface FastifyRequest {
    /** Who makes this request: set by the admin session or the API token; services audit it. */
    actor?: Actor;
  }
}

/** Makes the process-wide services (config, database, queues, secrets, services) available. */
export default fp<AppDeps>(
  async (app, deps) => {
    app.decorate('config', deps.config);
    app.decorate('database', deps.database);
    app.decorate('queues', deps.queues);
    app.decorate('secrets', deps.secrets);
    app.decorate('services', deps.services);
    app.decorateRequest('actor', undefined);
  },
  { name: 'services' },
);
