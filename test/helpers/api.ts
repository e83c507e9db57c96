import * as apiTokens from '../../db/queries/api-tokens.js';
import { randomToken, sha256 } from '../../server/infra/security.js';
import type { TestApp } from './app.js';

/** An API token with a role, made the way `npx landpost token create` makes one. */
export function makeToken(t: TestApp, name: string, role: 'admin' | 'editor' | 'viewer'): string {
  const token = `lp_${randomToken()}`;
  apiTokens.createApiToken(
    { name, role, tokenHash: sha256(token), prefix: token.slice(0, 9) },
    t.runtime.database.db,
  );
  return token;
}

/** One JSON API request with a bearer token (null: none). */
export function apiRequest(
  t: TestApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token: string | null,
  payload?: object,
) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload ? { payload } : {}),
  });
}

/** `apiRequest` bound to one app, as the API test files use it. */
export const apiClient =
  (t: () => TestApp) =>
  (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    token: string | null,
    payload?: object,
  ) =>
    apiRequest(t(), method, url, token, payload);
