/**
 * The indicators in the JSON API: a viewer token reads every indicator with its value, target
 * and definition for a period; a wrong period is a 400 naming the field; without a token 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, makeToken } from '../../../../helpers/api.js';
import { startTestApp, type TestApp } from '../../../../helpers/app.js';
import { IndicatorRows } from '../../../../helpers/indicators.js';

let t: TestApp;
let viewerToken: string;

const api = apiClient(() => t);

interface IndicatorBody {
  key: string;
  label: string;
  target: number;
  value: number;
  definition: string;
}

beforeAll(async () => {
  t = await startTestApp();
  viewerToken = makeToken(t, 'dashboard', 'viewer');
  const rows = new IndicatorRows(t.runtime.database.sqlite);
  const held = rows.event({
    type: 'training',
    title: 'Vereinsrecht',
    startsAt: '2025-03-15T10:00',
    recorded: true,
  });
  rows.registration(held, { email: 'anna@example.org', present: true });
  rows.registration(held, { email: 'ben@example.org', present: true });
  rows.event({ type: 'training', title: 'Ohne Liste', startsAt: '2025-04-15T10:00' });
  rows.campaign(rows.edition(1), 'sent', '2025-05-01T10:00');
  rows.campaign(rows.edition(2), 'draft');
});

afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/indicators', () => {
  it('answers every indicator for the period with value, target and definition', async () => {
    const res = await api('GET', '/indicators?from=2025-01-01&to=2025-12-31', viewerToken);
    expect(res.statusCode).toBe(200);
    const body = res.json<IndicatorBody[]>();
    expect(body.map((i) => [i.key, i.value, i.target])).toEqual([
      ['training-events', 1, 14],
      ['training-participants', 2, 140],
      ['best-practice-meetings', 0, 2],
      ['counselling', 0, 15],
      ['newsletters', 1, 7],
      ['people-reached', 2, 180],
    ]);
    expect(body[0]).toMatchObject({ label: 'Bildungsveranstaltungen in den Zielregionen' });
    expect(body[0]!.definition).toContain('Anwesenheit erfasst');
  });

  it('counts only the period asked for', async () => {
    const res = await api('GET', '/indicators?from=2025-04-01&to=2025-12-31', viewerToken);
    const body = res.json<IndicatorBody[]>();
    expect(body.find((i) => i.key === 'training-events')!.value).toBe(0);
    expect(body.find((i) => i.key === 'newsletters')!.value).toBe(1);
  });

  it('refuses a day that is not one, or an end before the start: 400 naming the field', async () => {
    const bad = await api('GET', '/indicators?from=2025-02-30&to=2025-12-31', viewerToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: Record<string, string> }>().errors).toHaveProperty('from');
    const backwards = await api('GET', '/indicators?from=2025-05-01&to=2025-04-01', viewerToken);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ errors: Record<string, string> }>().errors).toEqual({
      to: 'The end is before the start.',
    });
    const notADay = await api('GET', '/indicators?from=yesterday', viewerToken);
    expect(notADay.statusCode).toBe(400);
  });

  it('needs a token, and is in the OpenAPI document', async () => {
    expect((await api('GET', '/indicators', null)).statusCode).toBe(401);
    const doc = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(doc.json<{ paths: Record<string, unknown> }>().paths).toHaveProperty(
      '/api/v1/indicators',
    );
  });
});
