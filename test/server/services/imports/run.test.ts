import { describe, expect, it } from 'vitest';
import * as imports from '../../../../db/queries/imports.js';
import { Secrets } from '../../../../server/infra/security.js';
import { guessMapping } from '../../../../server/services/imports/mapping.js';
import { runImport } from '../../../../server/services/imports/run.js';
import { validateImport } from '../../../../server/services/imports/validate.js';
import type { MailRequest } from '../../../../workers/queues.js';
import { parseCsv } from '../../../../server/services/imports/decode.js';
import { fixture, freshDatabase, upload } from './_setup.js';

describe('the import job', () => {
  it('keeps its place: after a failure it resumes without writing a row twice', async () => {
    const database = freshDatabase('lp-import-resume-');
    try {
      const { db, sqlite } = database;
      const parsed = parseCsv(fixture('fixed.csv'));
      const row = upload(database, database.dir, 'fixed.csv');
      validateImport(db, row.id, guessMapping(parsed.headers));
      const options = {
        ...imports.findImport(row.id, db)!.options,
        mode: 'confirmation' as const,
      };
      imports.updateImport(row.id, { status: 'running', options }, db);
      const secrets = new Secrets('resume-test-secret-resume-test-secret');
      let batches = 0;
      const owed: number[] = [];
      const deps = {
        db,
        secrets,
        cooldownMs: 600_000,
        batchSize: 2,
        outbox: {
          owe: (mails: MailRequest[]) => {
            // Something fails inside the second batch's transaction (say, the disk is full).
            if (++batches === 2) throw new Error('disk I/O error');
            owed.push(...mails.map((m) => ('subscriberId' in m ? m.subscriberId : 0)));
            return [];
          },
          send: async () => {},
        },
      };
      await expect(runImport(deps, row.id)).rejects.toThrow('disk I/O error');
      expect(imports.findImport(row.id, db)).toMatchObject({ status: 'failed', processedRows: 2 });
      imports.updateImport(row.id, { status: 'running' }, db);
      const counts = await runImport(deps, row.id);
      expect(counts).toEqual({ created: 4, updated: 0, unchanged: 0, skipped: 0 });
      expect(sqlite.prepare('select count(*) as n from subscribers').get()).toEqual({ n: 4 });
      expect(
        sqlite.prepare("select count(*) as n from consent_events where kind = 'signup'").get(),
      ).toEqual({ n: 4 });
      // The failed batch was written again, and owes its mails once: one per person.
      const ids = sqlite.prepare('select id from subscribers order by id').all() as {
        id: number;
      }[];
      expect(owed.sort((a, b) => a - b)).toEqual(ids.map((r) => r.id));
      expect(imports.findImport(row.id, db)!.status).toBe('done');
    } finally {
      database.cleanup();
    }
  });
});
