import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../../server/services/imports/decode.js';
import { guessMapping } from '../../../../server/services/imports/mapping.js';
import {
  rowRules,
  validateRow,
  validateRows,
  type RowInput,
} from '../../../../server/services/imports/validate.js';
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

describe('the field checks of one row', () => {
  const rules = rowRules(reference);
  const input = (fields: Partial<RowInput>): RowInput => ({
    email: '',
    name: '',
    region: '',
    roles: '',
    topics: '',
    language: '',
    ...fields,
  });

  it('normalises the address and matches names, labels and language names to keys', () => {
    const { row, problems } = validateRow(
      input({
        email: 'Anna.Schulz@Example.ORG',
        name: 'Anna Schulz',
        region: 'halle saale',
        roles: 'Volunteer | staff; volunteer',
        topics: 'Fördermöglichkeiten',
        language: 'Englisch',
      }),
      rules,
    );
    expect(problems).toEqual([]);
    expect(row).toEqual({
      email: 'anna.schulz@example.org',
      name: 'Anna Schulz',
      regionKey: '15002',
      roleKeys: ['volunteer', 'staff'],
      topicKeys: ['funding'],
      language: 'en',
    });
  });

  it('leaves out what the row does not say', () => {
    expect(validateRow(input({ email: 'ben@example.org' }), rules)).toEqual({
      row: { email: 'ben@example.org' },
      problems: [],
    });
  });

  it('reports every problem of the row in field order, with the whole value', () => {
    const longName = `Anna ${'x'.repeat(120)}`;
    const { problems } = validateRow(
      input({
        email: 'keine-adresse',
        name: longName,
        region: 'Atlantis',
        roles: 'volunteer|Astronaut',
        topics: 'Kochen',
        language: 'Klingonisch',
      }),
      rules,
    );
    expect(problems).toEqual([
      { kind: 'emailInvalid', value: 'keine-adresse' },
      { kind: 'nameInvalid', value: longName },
      { kind: 'regionUnknown', value: 'Atlantis' },
      { kind: 'roleUnknown', value: 'Astronaut' },
      { kind: 'topicUnknown', value: 'Kochen' },
      { kind: 'languageUnknown', value: 'Klingonisch' },
    ]);
    expect(validateRow(input({ name: 'Anna' }), rules).problems).toEqual([
      { kind: 'emailMissing', value: '' },
    ]);
    expect(
      validateRow(input({ email: 'a@example.org', name: 'Anna <b>Schulz</b>' }), rules).problems,
    ).toEqual([{ kind: 'nameInvalid', value: 'Anna <b>Schulz</b>' }]);
  });

  it('shortens long values in the report only', () => {
    const longName = `Anna ${'x'.repeat(120)}`;
    const parsed = parseCsv(Buffer.from(`email;name\nanna@example.org;${longName}\n`));
    const { report } = validateRows(parsed, ['email', 'name'], reference, () => new Set());
    expect(report.problems).toEqual([
      { line: 2, kind: 'nameInvalid', value: `${longName.slice(0, 80)}…` },
    ]);
  });
});
