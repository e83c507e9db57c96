import type { Db } from '../../db/client.js';
import type { Queues } from '../../workers/queues.js';
import type { Config } from '../config.js';
import type { Secrets } from '../infra/security.js';

export interface ServiceLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every service is built from: one style of passing dependencies for all of them. */
export interface ServiceContext {
  db: Db;
  config: Config;
  secrets: Secrets;
  queues: Queues;
  log: ServiceLog;
}

/** Who did something: every audit entry and every consent record names one. */
export type Actor =
  | { kind: 'user'; userId: number; email: string; ip?: string | null }
  | { kind: 'api-token'; tokenId: number; name: string; ip?: string | null }
  | { kind: 'cli' }
  | { kind: 'subscriber'; subscriberId: number; ip?: string | null }
  | { kind: 'system'; task: string };

/** The audit log's columns for an actor. */
export function auditWho(actor: Actor): {
  userId: number | null;
  apiTokenId: number | null;
  actor: string;
  ip: string | null;
} {
  switch (actor.kind) {
    case 'user':
      return { userId: actor.userId, apiTokenId: null, actor: actor.email, ip: actor.ip ?? null };
    case 'api-token':
      return {
        userId: null,
        apiTokenId: actor.tokenId,
        actor: `api:${actor.name}`,
        ip: actor.ip ?? null,
      };
    case 'cli':
      return { userId: null, apiTokenId: null, actor: 'cli', ip: null };
    case 'subscriber':
      return {
        userId: null,
        apiTokenId: null,
        actor: `subscriber:${actor.subscriberId}`,
        ip: actor.ip ?? null,
      };
    case 'system':
      return { userId: null, apiTokenId: null, actor: `system:${actor.task}`, ip: null };
  }
}
