import type { LightMyRequestResponse } from 'fastify';
import * as users from '../../db/queries/users.js';
import type { UserRole } from '../../db/schema.js';
import { hashPassword } from '../../server/admin-auth.js';
import type { TestApp } from './app.js';

const PASSWORD = 'import test password 123';

/** A logged-in admin user for the import pages: keeps cookies and the latest CSRF token. */
export class ImportClient {
  private readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly t: TestApp) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies) this.cookies.set(c.name, c.value);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  private get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    return this.keep(
      await this.t.app.inject({ url, headers: { cookie: this.cookie, accept: 'text/html' } }),
    );
  }

  async post(url: string, fields: Record<string, string>, csrf: string | null = this.csrf) {
    const body = new URLSearchParams(fields);
    if (csrf !== null) body.set('_csrf', csrf);
    return this.keep(
      await this.t.app.inject({
        method: 'POST',
        url,
        headers: {
          cookie: this.cookie,
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: body.toString(),
      }),
    );
  }

  /** Upload a file as the browser's multipart form does; the CSRF token rides in the query. */
  async upload(fileName: string, bytes: Uint8Array, csrf: string | null = this.csrf) {
    const boundary = `----landpost${Math.random().toString(16).slice(2)}`;
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return this.keep(
      await this.t.app.inject({
        method: 'POST',
        url: csrf === null ? '/admin/imports' : `/admin/imports?_csrf=${encodeURIComponent(csrf)}`,
        headers: {
          cookie: this.cookie,
          accept: 'text/html',
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload,
      }),
    );
  }

  async login(email: string) {
    await this.get('/admin/login');
    const res = await this.post('/admin/login', { email, password: PASSWORD });
    if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  }
}

export async function importClient(t: TestApp, role: UserRole): Promise<ImportClient> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@landpost.test`;
  users.createUser(
    { email, name: `Test ${role}`, role, passwordHash: await hashPassword(PASSWORD) },
    t.runtime.database.db,
  );
  const client = new ImportClient(t);
  await client.login(email);
  return client;
}
