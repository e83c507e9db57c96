/**
 * Shared steps for the route tests: fill in the sign-up form as a browser would, read rows
 * with plain SQL, pick links out of the mails that arrived at the recording SMTP server.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { linkFrom, type TestApp } from '../../helpers/app.js';
import type { ReceivedMail } from '../../helpers/smtp-sink.js';

export const HTML = { accept: 'text/html' } as const;
export const FORM = {
  accept: 'text/html',
  'content-type': 'application/x-www-form-urlencoded',
} as const;

export type FormFields = Record<string, string | string[]>;

/** URL-encoded form body; an array value becomes repeated keys (roles=a&roles=b). */
export function formBody(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
}

/** The signed start time from a freshly rendered sign-up form. */
export async function startedAt(t: TestApp): Promise<string> {
  const page = await t.app.inject({ method: 'GET', url: '/', headers: HTML });
  expect(page.statusCode).toBe(200);
  const match = /name="startedAt" value="([^"]+)"/.exec(page.body);
  if (!match?.[1]) throw new Error('no startedAt field in the sign-up form');
  return match[1];
}

/** A complete, valid sign-up; `overrides` replaces single fields (undefined removes one). */
export async function postSignup(
  t: TestApp,
  overrides: Record<string, string | string[] | undefined> = {},
  opts: { remoteAddress?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const fields: Record<string, string | string[] | undefined> = {
    lang: 'de',
    startedAt: await startedAt(t),
    source: '',
    email: 'someone@example.org',
    website: '',
    name: 'Erika Mustermann',
    region: '15085',
    roles: ['volunteer', 'staff'],
    topics: ['funding'],
    language: 'de',
    tracking: 'yes',
    consent: 'yes',
    ...overrides,
  };
  const defined = Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string | string[]] => e[1] !== undefined),
  );
  return t.app.inject({
    method: 'POST',
    url: '/',
    headers: { ...FORM, ...opts.headers },
    payload: formBody(defined),
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
  });
}

export function rows<T = Record<string, unknown>>(
  t: TestApp,
  sql: string,
  ...params: unknown[]
): T[] {
  return t.runtime.database.sqlite.prepare(sql).all(...params) as T[];
}

export function one<T = Record<string, unknown>>(
  t: TestApp,
  sql: string,
  ...params: unknown[]
): T | undefined {
  return rows<T>(t, sql, ...params)[0];
}

export interface SubscriberRow {
  id: number;
  email: string;
  name: string;
  region_key: string | null;
  language: string;
  status: string;
  tracking_consent: number;
  created_at: number;
  confirmed_at: number | null;
  last_confirmation_at: number | null;
}

export interface ConsentRow {
  id: number;
  subscriber_id: number;
  email_hash: string;
  kind: string;
  at: number;
  ip: string | null;
  user_agent: string | null;
  source: string | null;
  channel: string | null;
  consent_text_version: string | null;
  template_version: string | null;
  list_ids: string | null;
  details: string | null;
}

export function subscriberByEmail(t: TestApp, email: string): SubscriberRow | undefined {
  return one<SubscriberRow>(t, 'SELECT * FROM subscribers WHERE email = ?', email);
}

export function consentEvents(t: TestApp, subscriberId: number): ConsentRow[] {
  return rows<ConsentRow>(
    t,
    'SELECT * FROM consent_events WHERE subscriber_id = ? ORDER BY at, id',
    subscriberId,
  );
}

/** Messages addressed to one recipient, in arrival order. */
export function mailsTo(t: TestApp, email: string): ReceivedMail[] {
  return t.smtp.messages.filter((m) => m.envelopeTo.includes(email));
}

export function waitForMailTo(
  t: TestApp,
  email: string,
  match: (mail: ReceivedMail) => boolean = () => true,
): Promise<ReceivedMail> {
  return t.smtp.waitFor((m) => m.envelopeTo.includes(email) && match(m));
}

/** Path (and query) of an absolute link from a mail, for app.inject(). */
export function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `check` returns something (the mail worker writes its consent record after the send). */
export async function eventually<T>(
  check: () => T | undefined | null | false,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

/** The confirmation link of the newest confirmation mail to `email`. */
export async function confirmationPath(t: TestApp, email: string): Promise<string> {
  const mail = await waitForMailTo(t, email, (m) => (m.text ?? '').includes('/confirm/'));
  return pathOf(linkFrom(mail.text, '/confirm/'));
}

/**
 * Sign up, take the link from the confirmation mail, press the button on the confirmation
 * page; returns the subscriber row and the welcome mail.
 */
export async function signUpAndConfirm(
  t: TestApp,
  email: string,
  overrides: Record<string, string | string[] | undefined> = {},
): Promise<{ subscriber: SubscriberRow; welcome: ReceivedMail }> {
  const signup = await postSignup(t, { email, ...overrides });
  expect(signup.statusCode).toBe(200);
  const confirm = await confirmationPath(t, email);
  const subscriber = subscriberByEmail(t, email);
  if (!subscriber) throw new Error(`no subscriber row for ${email}`);
  // The worker records "confirmation_sent" right after the SMTP server accepted the mail.
  await eventually(
    () => consentEvents(t, subscriber.id).some((e) => e.kind === 'confirmation_sent'),
    `confirmation_sent for ${email}`,
  );
  const done = await t.app.inject({
    method: 'POST',
    url: confirm,
    headers: FORM,
    payload: formBody({ lang: 'de' }),
  });
  expect(done.statusCode).toBe(200);
  const welcome = await waitForMailTo(t, email, (m) => (m.text ?? '').includes('/u/'));
  return { subscriber: subscriberByEmail(t, email)!, welcome };
}
