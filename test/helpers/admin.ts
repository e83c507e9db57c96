import type { LightMyRequestResponse } from 'fastify';
import * as users from '../../db/queries/users.js';
import type { UserRole } from '../../db/schema.js';
import { hashPassword } from '../../server/services/accounts/index.js';
import type { TestApp } from './app.js';

export const PASSWORD = 'a long enough test password';

/** Cookies as a browser keeps them: name → value, updated from each Set-Cookie. */
export class CookieJar {
  private readonly jar = new Map<string, string>();

  store(res: Pick<PageResponse, 'cookies'>): void {
    for (const c of res.cookies) {
      if (c.value === '' || (c.maxAge !== undefined && c.maxAge <= 0)) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
  }

  header(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.jar.get(name);
  }

  delete(name: string): void {
    this.jar.delete(name);
  }
}

/** What a page request answers, whether through app.inject() or over real HTTP. */
export interface PageResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  cookies: { name: string; value: string; maxAge?: number }[];
}

interface PageRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/**
 * An admin UI user talking to Landpost like a browser (cookies, CSRF tokens); the subclasses
 * say how a request travels.
 */
abstract class BrowserLikeClient<R extends PageResponse> {
  readonly jar = new CookieJar();
  csrf = '';

  constructor(readonly email: string) {}

  protected abstract send(request: PageRequest): Promise<R>;

  async get(url: string, headers: Record<string, string> = {}): Promise<R> {
    const res = await this.send({
      method: 'GET',
      url,
      headers: { cookie: this.jar.header(), accept: 'text/html', ...headers },
    });
    this.jar.store(res);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  /** POST a form; `_csrf` is added from the last page unless given (null: leave it out). */
  async post(
    url: string,
    fields: Record<string, string | string[]> = {},
    csrf: string | null = this.csrf,
  ): Promise<R> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    if (csrf !== null && !('_csrf' in fields)) body.set('_csrf', csrf);
    const res = await this.send({
      method: 'POST',
      url,
      headers: {
        cookie: this.jar.header(),
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: body.toString(),
    });
    this.jar.store(res);
    return res;
  }

  /**
   * Upload a file as the browser's multipart form does; the CSRF token rides in the query.
   * `form`: the file input's name and type (default `file`, text/csv) and text fields sent first.
   */
  async upload(
    url: string,
    fileName: string,
    bytes: Uint8Array,
    csrf: string | null = this.csrf,
    form: { field?: string; type?: string; fields?: Record<string, string> } = {},
  ): Promise<R> {
    const boundary = `----landpost${Math.random().toString(16).slice(2)}`;
    const payload = Buffer.concat([
      ...Object.entries(form.fields ?? {}).map(([name, value]) =>
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        ),
      ),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${form.field ?? 'file'}"; filename="${fileName}"\r\nContent-Type: ${form.type ?? 'text/csv'}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await this.send({
      method: 'POST',
      url: csrf === null ? url : `${url}?_csrf=${encodeURIComponent(csrf)}`,
      headers: {
        cookie: this.jar.header(),
        accept: 'text/html',
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
    this.jar.store(res);
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  /**
   * Log in through the form and, like a browser, follow the redirect: the page it leads to
   * holds the form token of the new session. Answers the login form's response.
   */
  async login(password = PASSWORD): Promise<R> {
    await this.get('/admin/login');
    const res = await this.post('/admin/login', { email: this.email, password });
    const location = res.headers.location;
    if (res.statusCode === 303 && typeof location === 'string') await this.get(location);
    return res;
  }
}

/** An admin UI user of a test app in this process (app.inject()), optionally from a given IP. */
export class AdminClient extends BrowserLikeClient<LightMyRequestResponse> {
  constructor(
    private readonly t: Pick<TestApp, 'app'>,
    email: string,
    readonly ip?: string,
  ) {
    super(email);
  }

  protected send(request: PageRequest): Promise<LightMyRequestResponse> {
    return this.t.app.inject(this.ip ? { ...request, remoteAddress: this.ip } : request);
  }
}

/** An admin UI user of a Landpost server at a URL (e.g. one started with `npm start`). */
export class HttpAdminClient extends BrowserLikeClient<PageResponse> {
  constructor(
    readonly baseUrl: string,
    email: string,
  ) {
    super(email);
  }

  protected async send(request: PageRequest): Promise<PageResponse> {
    const res = await fetch(new URL(request.url, this.baseUrl), {
      method: request.method,
      headers: request.headers,
      body: request.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    return {
      statusCode: res.status,
      headers: Object.fromEntries(res.headers),
      body: await res.text(),
      cookies: res.headers.getSetCookie().map(parseSetCookie),
    };
  }
}

/** name=value; Max-Age=… of one Set-Cookie header (the parts CookieJar looks at). */
function parseSetCookie(header: string): PageResponse['cookies'][number] {
  const [pair = '', ...attributes] = header.split(';');
  const at = pair.indexOf('=');
  const cookie: PageResponse['cookies'][number] = {
    name: pair.slice(0, at).trim(),
    value: pair.slice(at + 1).trim(),
  };
  try {
    cookie.value = decodeURIComponent(cookie.value);
  } catch {
    /* kept as sent, like set-cookie-parser does */
  }
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=');
    if (key.trim().toLowerCase() === 'max-age') cookie.maxAge = Number(value.trim());
  }
  return cookie;
}

/** Create a user with a role and return a client that is logged in as that user. */
export async function loginAs(
  t: TestApp,
  role: UserRole,
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@landpost.test`,
) {
  users.createUser(
    { email, name: `Test ${role}`, role, passwordHash: await hashPassword(PASSWORD, 'low') },
    t.runtime.database.db,
  );
  const client = new AdminClient(t, email);
  const res = await client.login();
  if (res.statusCode !== 303) throw new Error(`login as ${role} failed: ${res.statusCode}`);
  return client;
}
