/**
 * Admin sessions for the lists, segments and taxonomy tests: an account per role, logged in
 * through the real form, with a cookie jar and the CSRF field of the last form page.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import * as users from '../../db/queries/users.js';
import type { UserRole } from '../../db/schema.js';
import { hashPassword } from '../../server/admin-auth.js';
import type { TestApp } from './app.js';

const PASSWORD = 'a long enough passphrase';

export interface AdminSession {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST a form; the _csrf field comes from the last page fetched unless given. */
  post(url: string, fields?: Record<string, string | string[]>): Promise<LightMyRequestResponse>;
  csrf: string;
}

export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return params.toString();
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no _csrf field on the page');
  return match[1];
}

export async function adminSession(
  t: TestApp,
  role: UserRole,
  language = 'de',
): Promise<AdminSession> {
  const email = `${role}.${Math.random().toString(36).slice(2, 8)}@example.org`;
  users.createUser(
    { email, name: role, role, language, passwordHash: await hashPassword(PASSWORD) },
    t.runtime.database.db,
  );
  const jar = new Map<string, string>();
  const keep = (res: LightMyRequestResponse) => {
    for (const c of res.cookies as { name: string; value: string }[]) jar.set(c.name, c.value);
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const session: AdminSession = {
    csrf: '',
    async get(url, headers = {}) {
      const res = await t.app.inject({
        method: 'GET',
        url,
        headers: { accept: 'text/html', cookie: cookie(), ...headers },
      });
      keep(res);
      const match = /name="_csrf" value="([^"]+)"/.exec(res.body);
      if (match?.[1]) session.csrf = match[1];
      return res;
    },
    async post(url, fields = {}) {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: {
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
          cookie: cookie(),
        },
        payload: formBody({ _csrf: session.csrf, ...fields }),
      });
      keep(res);
      return res;
    },
  };
  const page = await session.get('/admin/login');
  expect(page.statusCode).toBe(200);
  const res = await session.post('/admin/login', { email, password: PASSWORD });
  expect(res.statusCode).toBe(303);
  expect(jar.has('lp_admin')).toBe(true);
  await session.get('/admin');
  return session;
}

/**
 * People with regions, roles and list subscriptions, written directly: who is in Harz
 * (15085), who is a volunteer, on which list. Returns their ids by e-mail.
 */
export function seedSubscribers(
  t: TestApp,
  people: {
    email: string;
    region: string | null;
    roles: string[];
    status?: string;
    language?: string;
    lists?: number[];
  }[],
): Map<string, number> {
  const sqlite = t.runtime.database.sqlite;
  const ids = new Map<string, number>();
  const insert = sqlite.prepare(
    'insert into subscribers (email, region_key, status, language) values (?, ?, ?, ?) returning id',
  );
  const role = sqlite.prepare(
    'insert into subscriber_roles (subscriber_id, role_key) values (?, ?)',
  );
  const sub = sqlite.prepare(
    "insert into subscriptions (subscriber_id, list_id, status) values (?, ?, 'confirmed')",
  );
  sqlite.transaction(() => {
    for (const p of people) {
      const { id } = insert.get(p.email, p.region, p.status ?? 'confirmed', p.language ?? 'de') as {
        id: number;
      };
      ids.set(p.email, id);
      for (const r of p.roles) role.run(id, r);
      for (const l of p.lists ?? []) sub.run(id, l);
    }
  })();
  return ids;
}
