import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../server/services/imports/decode.js';
import { guessMapping } from '../../../../server/services/imports/mapping.js';
import { validateRows } from '../../../../server/services/imports/validate.js';
import { fixture, reference } from './_setup.js';

describe('validation report', () => {
  it('reports each problem with its line and skips those rows', () => {
    const parsed = parseCsv(fixture('with-errors.csv'));
    const { rows, report } = validateRows(
      parsed,
      guessMapping(parsed.headers),
      reference,
      () => new Set(['karl@example.org']),
    );
    expect(report.problems).toEqual([
      { line: 3, kind: 'emailInvalid', value: 'keine-adresse' },
      { line: 4, kind: 'regionUnknown', value: 'Atlantis' },
      { line: 5, kind: 'duplicate', value: '2' },
      { line: 6, kind: 'roleUnknown', value: 'Astronaut' },
      { line: 6, kind: 'topicUnknown', value: 'Kochen' },
      { line: 7, kind: 'emailMissing', value: '' },
    ]);
    expect(report).toMatchObject({
      totalRows: 6,
      validRows: 1,
      existingRows: 1,
      newRows: 0,
      problemRows: 5,
    });
    expect(rows[0]).toMatchObject({
      email: 'karl@example.org',
      regionKey: '15085',
      roleKeys: ['volunteer'],
      topicKeys: ['funding'],
    });
  });

  it('matches regions by key or name and roles/topics by key or label, split at ; or |', () => {
    const parsed = parseCsv(fixture('bom-comma.csv'));
    const { rows, report } = validateRows(
      parsed,
      guessMapping(parsed.headers),
      reference,
      () => new Set(),
    );
    expect(report.problems).toEqual([]);
    expect(rows[1]).toMatchObject({
      email: 'ben@example.org',
      regionKey: '15002',
      roleKeys: ['volunteer', 'staff'],
      language: 'en',
    });
    const quoted = parseCsv(fixture('quoted.csv'));
    const result = validateRows(quoted, guessMapping(quoted.headers), reference, () => new Set());
    expect(result.report.problems).toEqual([
      { line: 3, kind: 'nameInvalid', value: 'Emil\nzweite Zeile' },
    ]);
    expect(result.rows[0]!.topicKeys).toEqual(['funding', 'training']);
  });
});
