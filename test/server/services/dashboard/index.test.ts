/** The start page's subscriber figures, from a real SQLite file. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardService } from '../../../../server/services/dashboard/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

let ctx: ServiceTestContext;

beforeAll(() => {
  ctx = serviceTestContext();
});
afterAll(() => ctx?.close());

describe('dashboard', () => {
  it('counts subscribers by status', () => {
    const insert = ctx.database.sqlite.prepare(
      'insert into subscribers (email, status) values (?, ?)',
    );
    insert.run('a@example.org', 'confirmed');
    insert.run('b@example.org', 'confirmed');
    insert.run('c@example.org', 'unconfirmed');
    expect(new DashboardService(ctx).subscriberCounts()).toEqual({ confirmed: 2, unconfirmed: 1 });
  });
});
