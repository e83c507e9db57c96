/**
 * Property-based: random strings, numbers, objects, arrays and byte soup at every public form
 * and every API body and query. Whatever arrives, the answer is never a 5xx and no control
 * character is ever stored.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeToken } from '../helpers/api.js';
import { linkFrom, startTestApp, type TestApp } from '../helpers/app.js';
import { FORM, formBody, pathOf, rows, signUpAndConfirm, startedAt } from './routes/_flow.js';

let t: TestApp;
let editor: string;
let preferencesPath: string;
let unsubscribePath: string;
let subscriberId: number;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '100000', LOGIN_RATE_LIMIT: '100000' } });
  editor = makeToken(t, 'fuzz', 'editor');
  const { subscriber, welcome } = await signUpAndConfirm(t, 'fuzz.target@example.org');
  subscriberId = subscriber.id;
  preferencesPath = pathOf(linkFrom(welcome.text, '/p/'));
  unsubscribePath = pathOf(linkFrom(welcome.text, '/u/'));
});

afterAll(async () => {
  await t?.close();
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Short texts people and bots type, with the characters that break things mixed in. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'funding',
    'training',
    '\u0000',
    'a\u0000b',
    '\u001b[31m',
    '\u202eevil',
    'x\u2028y',
    '\u0085',
    '<script>alert(1)</script>',
    'javascript:alert(1)',
    '15085',
    'volunteer',
    'de',
    'ar',
    'yes',
    '1',
    '-1',
    '9999999999999999999999',
    'NaN',
    '%00',
    '../../etc/passwd',
    'a@b.c',
    'müller@bücher.de',
    '',
  ),
);
const value = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 4 }),
  fc.dictionary(nasty, nasty, { maxKeys: 3 }),
);
const formKeys = fc.constantFrom(
  'email',
  'name',
  'region',
  'roles',
  'topics',
  'language',
  'tracking',
  'consent',
  'lists',
  'lang',
  'startedAt',
  'website',
  'source',
  'password',
  'next',
  'List-Unsubscribe',
  '_csrf',
);
const formFields = fc.dictionary(formKeys, fc.oneof(nasty, fc.array(nasty, { maxLength: 3 })), {
  maxKeys: 8,
});
const jsonBody = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'email',
      'name',
      'regionKey',
      'roleKeys',
      'topicKeys',
      'language',
      'trackingConsent',
      'listIds',
      'consent',
      'status',
      'description',
      'doubleOptIn',
      'defaultLanguage',
      'public',
      'rule',
      'match',
      'type',
      'title',
      'fields',
      'translations',
      'regions',
      'roles',
      'number',
      'subject',
      'preheader',
      'intro',
      'targetDate',
      'inArchive',
      'items',
      'sections',
    ),
    nasty,
  ),
  value,
  { maxKeys: 6 },
);
const bytes = fc.uint8Array({ maxLength: 300 });
const contentTypes = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'application/json',
  'text/plain',
  'application/octet-stream',
);

const publicForms = () => ['/', '/preferences', preferencesPath, unsubscribePath, '/admin/login'];
const apiWrites = () =>
  [
    ['POST', '/api/v1/subscribers'],
    ['PATCH', `/api/v1/subscribers/${subscriberId}`],
    ['POST', '/api/v1/lists'],
    ['POST', '/api/v1/segments'],
    ['POST', '/api/v1/segments/count'],
    ['POST', '/api/v1/items'],
    ['POST', '/api/v1/editions'],
  ] as const;
const apiQueries = [
  '/api/v1/subscribers',
  '/api/v1/lists',
  '/api/v1/segments',
  '/api/v1/items',
  '/api/v1/editions',
  '/api/v1/editions/plan',
];

function storedControlCharacters(): string[] {
  const found: string[] = [];
  const check = (table: string, columns: string[]) => {
    for (const row of rows<Record<string, unknown>>(
      t,
      `SELECT ${columns.join(', ')} FROM ${table}`,
    ))
      for (const c of columns)
        if (typeof row[c] === 'string' && CONTROL.test(row[c])) found.push(`${table}.${c}`);
  };
  check('subscribers', ['email', 'name', 'language']);
  check('lists', ['name']);
  check('segments', ['name']);
  check('items', ['title']);
  check('editions', ['title', 'subject', 'preheader']);
  return found;
}

const never5xx = (what: string, status: number) =>
  expect(status, `${what} answered ${status}`).toBeLessThan(500);

describe('whatever arrives', () => {
  it('public forms: random fields never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), formFields, async (i, fields) => {
        const url = publicForms()[i]!;
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: FORM,
          payload: formBody({ startedAt: await startedAt(t), ...fields }),
        });
        never5xx(`POST ${url}`, res.statusCode);
      }),
      { numRuns: 300 },
    );
    expect(storedControlCharacters()).toEqual([]);
  });

  it('a name of any characters is stored only when it is plain text', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(nasty, fc.integer({ min: 0, max: 2 }), async (name, via) => {
        n += 1;
        const email = `fuzz.name.${n}@example.org`;
        const res =
          via === 0
            ? await t.app.inject({
                method: 'POST',
                url: '/',
                headers: FORM,
                payload: formBody({
                  startedAt: await startedAt(t),
                  email,
                  name,
                  consent: 'yes',
                  website: '',
                }),
              })
            : via === 1
              ? await t.app.inject({
                  method: 'POST',
                  url: '/api/v1/subscribers',
                  headers: { authorization: `Bearer ${editor}` },
                  payload: { email, name, consent: { mode: 'confirmation' } },
                })
              : await t.app.inject({
                  method: 'PATCH',
                  url: `/api/v1/subscribers/${subscriberId}`,
                  headers: { authorization: `Bearer ${editor}` },
                  payload: { name },
                });
        never5xx(`name ${JSON.stringify(name)} via ${via}`, res.statusCode);
        expect(storedControlCharacters()).toEqual([]);
      }),
      { numRuns: 200 },
    );
    // The property reached the store: plain names were saved, not everything refused.
    const stored = rows<{ n: number }>(
      t,
      "SELECT count(*) AS n FROM subscribers WHERE email LIKE 'fuzz.name.%' AND name <> ''",
    )[0]!.n;
    expect(stored).toBeGreaterThan(10);
  });

  it('public forms and the API: byte soup under any content type never gives a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 7 }),
        contentTypes,
        bytes,
        async (i, type, body) => {
          const urls = [
            ...publicForms(),
            '/api/v1/subscribers',
            '/api/v1/lists',
            '/api/v1/segments',
          ];
          const url = urls[i]!;
          const res = await t.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': type, authorization: `Bearer ${editor}` },
            payload: Buffer.from(body),
          });
          never5xx(`POST ${url} (${type})`, res.statusCode);
        },
      ),
      { numRuns: 300 },
    );
    expect(storedControlCharacters()).toEqual([]);
  });

  it('API bodies: random JSON never gives a 5xx and stores no control character', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: apiWrites().length - 1 }),
        jsonBody,
        async (i, body) => {
          const [method, url] = apiWrites()[i]!;
          const res = await t.app.inject({
            method,
            url,
            headers: { authorization: `Bearer ${editor}` },
            payload: body as object,
          });
          never5xx(`${method} ${url}`, res.statusCode);
        },
      ),
      { numRuns: 400 },
    );
    expect(storedControlCharacters()).toEqual([]);
  });

  it('API queries: random parameters never give a 5xx', async () => {
    const params = fc.dictionary(
      fc.constantFrom(
        'q',
        'email',
        'status',
        'region',
        'role',
        'topic',
        'language',
        'list',
        'after',
        'limit',
      ),
      fc.oneof(
        nasty,
        fc.constantFrom(
          Buffer.from(JSON.stringify({ key: { a: 1 }, id: 1 })).toString('base64url'),
          Buffer.from(JSON.stringify({ key: true, id: 1 })).toString('base64url'),
          Buffer.from(JSON.stringify({ id: 5 })).toString('base64url'),
          Buffer.from('not json').toString('base64url'),
        ),
      ),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: apiQueries.length - 1 }),
        params,
        async (i, query) => {
          const url = `${apiQueries[i]!}?${new URLSearchParams(query).toString()}`;
          const res = await t.app.inject({ url, headers: { authorization: `Bearer ${editor}` } });
          never5xx(`GET ${url}`, res.statusCode);
        },
      ),
      { numRuns: 300 },
    );
  });
});
