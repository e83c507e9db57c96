/**
 * The JSON API as an operator uses it: a token made with the CLI on the same data directory,
 * then look-ups of subscribers and their consent history; revoking the token shuts it out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../../server/cli.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { consentEvents, postSignup, subscriberByEmail, waitForMailTo } from '../../_flow.js';

let t: TestApp;
let token: string;
let tokenId: number;
const savedEnv = { ...process.env };

/** The CLI reads its configuration from the environment, as `npx landpost` does. */
async function cli(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  process.env.DATA_DIR = t.config.dataDir;
  process.env.REDIS_URL = t.config.redisUrl;
  process.env.SECRET_KEY = t.config.secretKey;
  process.env.LOG_LEVEL = 'silent';
  try {
    const code = await runCli(argv, (line) => lines.push(line));
    return { code, lines };
  } finally {
    process.env = { ...savedEnv };
  }
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
  const created = await cli('token', 'create', '--name', 'ops');
  expect(created.code).toBe(0);
  token = created.lines.find((l) => l.startsWith('lp_'))!;
  tokenId = Number(/#(\d+)/.exec(created.lines[0] ?? '')?.[1]);
  expect(token).toMatch(/^lp_[A-Za-z0-9_-]{40,}$/);
});

afterAll(async () => {
  await t?.close();
});

describe('authentication', () => {
  it('no token: 401 JSON with a Bearer challenge', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/subscribers?email=a@b.de' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({ error: 'Unauthorized', statusCode: 401 });
    expect(res.json<{ message: string }>().message).toEqual(expect.any(String));
  });

  it('a wrong token, a malformed header, the token without "Bearer": 401', async () => {
    for (const authorization of [
      `Bearer lp_${'x'.repeat(43)}`,
      `Bearer ${token.slice(0, -1)}`,
      `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`,
      token,
      'Bearer ',
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/subscribers?email=a@b.de',
        headers: { authorization },
      });
      expect(res.statusCode, authorization).toBe(401);
    }
  });

  it('also protects unknown ids and the detail route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/subscribers/1' });
    expect(res.statusCode).toBe(401);
  });
});

describe('subscribers', () => {
  const email = 'api.person@example.org';
  let id: number;

  beforeAll(async () => {
    const res = await postSignup(t, {
      email,
      name: 'Api Person',
      region: 'outside',
      roles: ['other'],
      topics: [],
    });
    expect(res.statusCode).toBe(200);
    await waitForMailTo(t, email);
    id = subscriberByEmail(t, email)!.id;
  });

  it('finds a subscriber by address, case-insensitively', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subscribers?email=${encodeURIComponent('  API.Person@Example.ORG ')}`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<{ items: Record<string, unknown>[] }>();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      id,
      email,
      name: 'Api Person',
      status: 'unconfirmed',
      regionKey: 'outside',
      roleKeys: ['other'],
      topicKeys: [],
      language: 'de',
      trackingConsent: true,
      confirmedAt: null,
    });
    expect(new Date(String(body.items[0]!.createdAt)).toISOString()).toBe(body.items[0]!.createdAt);
  });

  it('an unknown address gives an empty list, no error', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=nobody@example.org',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ items: [], total: 0, next: null });
  });

  it('a page size out of range is a 400 JSON error', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?limit=0',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'Bad Request', statusCode: 400 });
  });

  it('one subscriber includes the consent history with the sign-up record', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subscribers/${id}`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      email: string;
      consent: {
        kind: string;
        at: string;
        ip: string | null;
        consentTextVersion: string | null;
        channel: string | null;
        listIds: number[] | null;
      }[];
    }>();
    expect(body.email).toBe(email);
    const signup = body.consent.find((c) => c.kind === 'signup');
    expect(signup).toMatchObject({
      ip: '127.0.0.1',
      channel: 'web-form',
      consentTextVersion: expect.stringMatching(/\S/),
    });
    expect(signup!.listIds).toHaveLength(1);
    expect(new Date(signup!.at).toISOString()).toBe(signup!.at);
    expect(body.consent.map((c) => c.kind)).toEqual(consentEvents(t, id).map((e) => e.kind));
    // The keyed address hash is internal: not handed out.
    expect(JSON.stringify(body)).not.toMatch(/emailHash|email_hash/);
  });

  it('an unknown id: 404 JSON {error, message, statusCode}', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers/999999',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: 'Not Found',
      message: expect.any(String),
      statusCode: 404,
    });
  });

  it('a non-numeric id: 400 JSON in the same shape', async () => {
    for (const bad of ['abc', '0', '-1', '1.5']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/subscribers/${bad}`,
        headers: bearer(token),
      });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toEqual({
        error: 'Bad Request',
        message: expect.any(String),
        statusCode: 400,
      });
    }
  });

  it('an unknown API path is a 404 JSON, also with accept: text/html', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { ...bearer(token), accept: 'text/html' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'Not Found', statusCode: 404 });
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3 document with both paths', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
      security: unknown[];
    }>();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'Landpost API', version: '1.0.0' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/subscribers', '/api/v1/subscribers/{id}']),
    );
    expect(doc.paths['/api/v1/subscribers']?.get?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'email', in: 'query' })]),
    );
    expect(doc.paths['/api/v1/subscribers/{id}']?.get?.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    // Every operation answers with JSON schemas (no stray `:id` or regexp paths).
    for (const path of Object.keys(doc.paths)) expect(path).not.toMatch(/:/);
  });
});

describe('token life cycle', () => {
  it('records when a token was used', () => {
    const row = t.runtime.database.sqlite
      .prepare('SELECT last_used_at FROM api_tokens WHERE id = ?')
      .get(tokenId) as { last_used_at: number | null };
    expect(row.last_used_at).toEqual(expect.any(Number));
  });

  it('a revoked token is refused', async () => {
    const before = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=a@b.de',
      headers: bearer(token),
    });
    expect(before.statusCode).toBe(200);

    const revoked = await cli('token', 'revoke', '--id', String(tokenId));
    expect(revoked.code).toBe(0);

    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=a@b.de',
      headers: bearer(token),
    });
    expect(after.statusCode).toBe(401);
    const listed = await cli('token', 'list');
    expect(listed.lines.find((l) => l.startsWith(`#${tokenId}\t`))).toMatch(/\trevoked$/);
  });
});
