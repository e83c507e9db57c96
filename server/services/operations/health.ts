import { ping } from '../../../db/client.js';
import type { ServiceContext } from '../context.js';

export interface Readiness {
  ready: boolean;
  checks: { database: 'ok' | 'failed'; redis: 'ok' | 'failed' };
}

/** Whether this process can serve: the database answers and Redis answers within 2 s. */
export class HealthService {
  constructor(private readonly ctx: Pick<ServiceContext, 'db' | 'queues'>) {}

  async readiness(): Promise<Readiness> {
    let database = false;
    try {
      database = ping(this.ctx.db);
    } catch {
      database = false;
    }
    let redis = false;
    try {
      redis =
        (await Promise.race([
          this.ctx.queues.connection.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
        ])) === 'PONG';
    } catch {
      redis = false;
    }
    return {
      ready: database && redis,
      checks: { database: database ? 'ok' : 'failed', redis: redis ? 'ok' : 'failed' },
    };
  }
}
