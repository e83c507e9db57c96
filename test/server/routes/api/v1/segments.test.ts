/**
 * Segments and lists in the JSON API: read with a viewer token, create with an editor token
 * (audited under the token's name), count; a viewer token may not create; no token, 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLimits, segmentLimits } from '../../../../../server/services/reference/index.js';
import { apiClient, makeToken as makeRoleToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { seedSubscribers } from '../../../../helpers/admin-segments.js';

let t: TestApp;
let editorToken: string;
let viewerToken: string;

const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

const makeToken = (name: string, role: 'editor' | 'viewer') => makeRoleToken(t, name, role);
const api = apiClient(() => t);

beforeAll(async () => {
  t = await startTestApp();
  editorToken = makeToken('crm-sync', 'editor');
  viewerToken = makeToken('dashboard', 'viewer');
  seedSubscribers(t, [
    { email: 'a@example.org', region: '15085', roles: ['volunteer'] },
    { email: 'b@example.org', region: '15085', roles: ['staff'] },
    { email: 'c@example.org', region: '15003', roles: ['volunteer'] },
    { email: 'd@example.org', region: '15003', roles: ['staff'] },
    { email: 'e@example.org', region: null, roles: ['volunteer'], status: 'unconfirmed' },
  ]);
});

afterAll(async () => {
  await t?.close();
});

describe('lists API', () => {
  let id: number;

  it('lists the lists to a viewer token', async () => {
    const res = await api('GET', '/lists', viewerToken);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        key: 'newsletter',
        name: 'Newsletter',
        isPublic: true,
        subscriberCount: 0,
      }),
    ]);
  });

  it('creates a list with an editor token, audited under the token', async () => {
    const res = await api('POST', '/lists', editorToken, {
      name: 'Weiterbildung',
      isPublic: false,
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{
      id: number;
      key: string;
      isPublic: boolean;
      doubleOptIn: boolean;
      defaultLanguage: string;
    }>();
    id = body.id;
    expect(res.headers.location).toBe(`/api/v1/lists/${id}`);
    expect(body).toMatchObject({
      key: 'weiterbildung',
      isPublic: false,
      doubleOptIn: true,
      defaultLanguage: 'de',
    });
    expect(
      sql(
        'select actor, action from audit_log where entity = ? and entity_id = ?',
        'list',
        String(id),
      ),
    ).toEqual([{ actor: 'api:crm-sync', action: 'create' }]);
    const one = await api('GET', `/lists/${id}`, viewerToken);
    expect(one.json()).toMatchObject({ id, name: 'Weiterbildung' });
  });

  it('refuses bad input, duplicates, unknown ids, viewer tokens and no token', async () => {
    const cases: [string, object, number][] = [
      ['missing name', { isPublic: true }, 400],
      ['markup', { name: '<b>x</b>' }, 400],
      ['language', { name: 'X', defaultLanguage: 'xx' }, 400],
      ['duplicate', { name: 'weiterbildung' }, 409],
    ];
    for (const [what, payload, status] of cases) {
      const res = await api('POST', '/lists', editorToken, payload);
      expect(res.statusCode, what).toBe(status);
      expect(res.json(), what).toMatchObject({
        error: expect.any(String),
        message: expect.any(String),
        statusCode: status,
      });
    }
    expect((await api('GET', '/lists/999', viewerToken)).statusCode).toBe(404);
    expect((await api('POST', '/lists', viewerToken, { name: 'Viewer' })).statusCode).toBe(403);
    expect((await api('POST', '/lists', null, { name: 'Anonym' })).statusCode).toBe(401);
    expect((await api('GET', '/lists', null)).statusCode).toBe(401);
    expect(sql('select name from lists order by id')).toEqual([
      { name: 'Newsletter' },
      { name: 'Weiterbildung' },
    ]);
  });

  it('names the field that is wrong, in the words of the admin form', async () => {
    const language = await api('POST', '/lists', editorToken, { name: 'X', defaultLanguage: 'xx' });
    expect(language.json()).toMatchObject({
      statusCode: 400,
      message: 'defaultLanguage: Please choose a language from the list.',
      errors: { defaultLanguage: 'Please choose a language from the list.' },
    });
    const taken = await api('POST', '/lists', editorToken, { name: ' WEITERBILDUNG ' });
    expect(taken.json()).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      errors: { name: 'A list with this name already exists.' },
    });
  });
});

describe('segments API', () => {
  const harzVolunteer = [
    { field: 'region', values: ['15085'] },
    { field: 'role', values: ['volunteer'] },
  ];
  let allId: number;

  it('creates segments with an editor token and counts them', async () => {
    const all = await api('POST', '/segments', editorToken, {
      name: 'Harz und Ehrenamt',
      rules: harzVolunteer,
    });
    expect(all.statusCode).toBe(201);
    allId = all.json<{ id: number }>().id;
    expect(all.json()).toMatchObject({
      name: 'Harz und Ehrenamt',
      match: 'all',
      rules: harzVolunteer,
    });
    expect(all.headers.location).toBe(`/api/v1/segments/${allId}`);
    const any = await api('POST', '/segments', editorToken, {
      name: 'Harz oder Ehrenamt',
      match: 'any',
      rules: harzVolunteer,
    });
    const anyId = any.json<{ id: number }>().id;

    expect((await api('GET', `/segments/${allId}/count`, viewerToken)).json()).toEqual({
      count: 1,
      confirmed: 1,
    });
    // b (Harz), a, c, e (volunteers); e has not confirmed, so a send reaches three.
    expect((await api('GET', `/segments/${anyId}/count`, viewerToken)).json()).toEqual({
      count: 4,
      confirmed: 3,
    });
    expect(sql('select actor, action from audit_log where entity = ?', 'segment')).toEqual([
      { actor: 'api:crm-sync', action: 'create' },
      { actor: 'api:crm-sync', action: 'create' },
    ]);
  });

  it('reads segments with a viewer token', async () => {
    const list = await api('GET', '/segments', viewerToken);
    expect(list.statusCode).toBe(200);
    expect(list.json<{ items: { name: string }[] }>().items.map((s) => s.name)).toEqual([
      'Harz oder Ehrenamt',
      'Harz und Ehrenamt',
    ]);
    const one = await api('GET', `/segments/${allId}`, viewerToken);
    expect(one.json()).toMatchObject({
      id: allId,
      rules: harzVolunteer,
      createdAt: expect.stringMatching(/Z$/),
    });
    expect((await api('GET', '/segments/999', viewerToken)).statusCode).toBe(404);
    expect((await api('GET', '/segments/999/count', viewerToken)).statusCode).toBe(404);
    expect((await api('GET', '/segments/abc', viewerToken)).statusCode).toBe(400);
  });

  it('refuses unknown values and fields, viewer tokens and no token', async () => {
    const cases: [string, object][] = [
      ['unknown region', { name: 'X', rules: [{ field: 'region', values: ['99999'] }] }],
      ['unknown field', { name: 'X', rules: [{ field: 'shoeSize', values: ['42'] }] }],
      ['bad date', { name: 'X', rules: [{ field: 'createdAfter', values: ['soon'] }] }],
      ['bad engagement', { name: 'X', rules: [{ field: 'engagement', values: ['opened', '0'] }] }],
      [
        'twice',
        {
          name: 'X',
          rules: [
            { field: 'role', values: ['staff'] },
            { field: 'role', values: ['volunteer'] },
          ],
        },
      ],
      ['unknown list', { name: 'X', rules: [{ field: 'list', values: ['999'] }] }],
      ['no name', { name: '  ', rules: [] }],
      ['match', { name: 'X', match: 'some', rules: [] }],
    ];
    for (const [what, payload] of cases) {
      const res = await api('POST', '/segments', editorToken, payload);
      expect(res.statusCode, what).toBe(400);
      expect(res.json(), what).toMatchObject({
        error: 'Bad Request',
        statusCode: 400,
        message: expect.any(String),
      });
    }
    const viewer = await api('POST', '/segments', viewerToken, { name: 'Viewer', rules: [] });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json()).toMatchObject({ error: 'Forbidden', statusCode: 403 });
    expect((await api('POST', '/segments', null, { name: 'Anonym', rules: [] })).statusCode).toBe(
      401,
    );
    expect((await api('GET', '/segments', null)).statusCode).toBe(401);
    expect(sql('select count(*) as n from segments')).toEqual([{ n: 2 }]);
  });

  it('names the rule that is wrong', async () => {
    const res = await api('POST', '/segments', editorToken, {
      name: 'X',
      rules: [
        { field: 'region', values: ['15085', 'atlantis'] },
        { field: 'role', values: ['staff'] },
        { field: 'role', values: ['volunteer'] },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      errors: {
        region: 'Please choose only values from the list.',
        role: 'This rule is given twice: put all its values in one rule.',
      },
    });
    expect(res.json<{ message: string }>().message).toMatch(/^region: .* role: /);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/segments']!)).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
    expect(doc.paths['/api/v1/segments/{id}']).toHaveProperty('get');
    expect(doc.paths['/api/v1/segments/{id}/count']).toHaveProperty('get');
    expect(Object.keys(doc.paths['/api/v1/lists']!)).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
    expect(doc.paths['/api/v1/lists/{id}']).toHaveProperty('get');
  });

  it('states the limits the service checks in the body schemas', async () => {
    type Schema = { properties: Record<string, { maxLength?: number; maxItems?: number }> };
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: Schema }> } } }
      >;
    }>();
    const body = (path: string) =>
      doc.paths[path]!.post.requestBody.content['application/json']!.schema.properties;
    expect(body('/api/v1/lists')).toMatchObject({
      name: { maxLength: listLimits.name },
      description: { maxLength: listLimits.description },
      defaultLanguage: { maxLength: listLimits.defaultLanguage },
    });
    const segment = body('/api/v1/segments');
    expect(segment).toMatchObject({
      name: { maxLength: segmentLimits.name },
      description: { maxLength: segmentLimits.description },
      rules: { maxItems: segmentLimits.rules },
    });
    expect(segment.rules).toMatchObject({
      items: {
        properties: {
          values: { maxItems: segmentLimits.values, items: { maxLength: segmentLimits.value } },
        },
      },
    });
  });
});
