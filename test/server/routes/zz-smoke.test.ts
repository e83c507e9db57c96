import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
let t: TestApp;
beforeAll(async () => { const s = Date.now(); t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } }); console.log('start ms', Date.now() - s); });
afterAll(async () => { const s = Date.now(); await t?.close(); console.log('close ms', Date.now() - s); });
it('works', async () => {
  const r = await t.app.inject({ url: '/', headers: { accept: 'text/html' } });
  expect(r.statusCode).toBe(200);
  console.log(r.body.slice(0, 3000));
});
