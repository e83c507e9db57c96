/**
 * Segments on a real SQLite file: every rule kind selects exactly the people written here,
 * rules combine with all or any, the one validator names the rule that is wrong, and every
 * change is audited under the actor who made it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_ENGAGEMENT_ISSUES,
  validateRules,
  validateSegment,
  type RuleVocabulary,
  type Segment,
  type SegmentRule,
  type SegmentService,
} from '../../../../server/services/reference/index.js';
import { referenceFixture, type ReferenceFixture } from './setup.js';

let f: ReferenceFixture;
let segments: SegmentService;
let newsletter: number;

beforeAll(() => {
  f = referenceFixture();
  segments = f.service.segments;
  newsletter = f.service.lists.all()[0]!.id;
  expect(newsletter).toBe(1);
  f.people([
    {
      email: 'a@example.org',
      region: '15085',
      roles: ['volunteer'],
      topics: ['funding'],
      created: '2026-01-10',
      lists: { [newsletter]: 'confirmed' },
    },
    {
      email: 'b@example.org',
      region: '15085',
      roles: ['staff'],
      language: 'en',
      created: '2026-02-20',
      lists: { [newsletter]: 'unconfirmed' },
    },
    {
      email: 'c@example.org',
      region: '15003',
      roles: ['volunteer'],
      topics: ['funding', 'training'],
      language: 'uk',
      status: 'unconfirmed',
      created: '2026-03-05',
      lists: { [newsletter]: 'unsubscribed' },
    },
    { email: 'd@example.org', status: 'unsubscribed', created: '2025-12-01' },
    {
      email: 'e@example.org',
      region: '15003',
      roles: ['volunteer', 'staff'],
      language: 'ar',
      status: 'blocked',
      created: '2026-02-01',
    },
  ]);
});

afterAll(() => f?.close());

const rule = (field: SegmentRule['field'], ...values: string[]): SegmentRule => ({
  field,
  values,
});

describe('SegmentService: each rule kind selects the people it names', () => {
  const confirmed = new Set(['a@example.org', 'b@example.org']);
  const cases: [string, SegmentRule[], 'all' | 'any', string[]][] = [
    ['region', [rule('region', '15085')], 'all', ['a', 'b']],
    ['role', [rule('role', 'volunteer')], 'all', ['a', 'c', 'e']],
    ['topic', [rule('topic', 'funding')], 'all', ['a', 'c']],
    ['language', [rule('language', 'en', 'uk')], 'all', ['b', 'c']],
    // Somebody who left the list is not on it. (The shipped list is the first row.)
    ['list', [rule('list', '1')], 'all', ['a', 'b']],
    ['status', [rule('status', 'unsubscribed', 'blocked')], 'all', ['d', 'e']],
    ['createdAfter', [rule('createdAfter', '2026-02-01')], 'all', ['b', 'c', 'e']],
    ['createdBefore', [rule('createdBefore', '2026-01-10')], 'all', ['a', 'd']],
    // Engagement needs the delivery ledger: nobody yet.
    ['engagement', [rule('engagement', 'opened', '3')], 'all', []],
    ['region and role', [rule('region', '15085'), rule('role', 'volunteer')], 'all', ['a']],
    [
      'region or role',
      [rule('region', '15085'), rule('role', 'volunteer')],
      'any',
      ['a', 'b', 'c', 'e'],
    ],
    ['no rules', [], 'all', ['a', 'b', 'c', 'd', 'e']],
  ];

  it.each(cases)('%s', (what, rules, match, people) => {
    const emails = people.map((p) => `${p}@example.org`);
    const saved = segments.create({ name: what, description: '', match, rules }, f.editor);
    if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved));
    const segment = segments.find(saved.segment.id)!;
    expect(segment.rules).toEqual(rules);
    expect(segments.counts(segment)).toEqual({
      count: emails.length,
      confirmed: emails.filter((e) => confirmed.has(e)).length,
    });
    expect(segments.size(segment.rules, segment.match)).toBe(emails.length);
    expect(segments.countRules(rules, match)).toEqual({ kind: 'counted', count: emails.length });
    expect(
      segments
        .members(segment, 50)
        .map((m) => m.email)
        .sort(),
    ).toEqual(emails);
  });

  it('lists members newest first, at most the limit, with region and roles', () => {
    const segment = segments.all().find((s) => s.name === 'role')!;
    expect(segments.members(segment, 2)).toMatchObject([
      { email: 'e@example.org', regionName: 'Magdeburg', roleKeys: ['volunteer', 'staff'] },
      { email: 'c@example.org', regionKey: '15003' },
    ]);
  });
});

describe('SegmentService: saving', () => {
  let segment: Segment;

  it('creates a segment under the editor, who is named as its author and in the audit', () => {
    const saved = segments.create(
      {
        name: '  Harz & "Ehrenamt" ',
        description: 'eins\r\nzwei',
        match: 'all',
        rules: [rule('region', '15085', '15085'), rule('role', 'volunteer')],
      },
      f.editor,
    );
    if (saved.kind !== 'saved') throw new Error(JSON.stringify(saved));
    segment = saved.segment;
    expect(segment).toMatchObject({
      name: 'Harz & "Ehrenamt"',
      description: 'eins\nzwei',
      createdBy: f.userId,
      rules: [rule('region', '15085'), rule('role', 'volunteer')],
    });
    const entry = f.audit('segment').at(-1)!;
    expect(entry).toMatchObject({
      action: 'create',
      entity_id: String(segment.id),
      user_id: f.userId,
      actor: 'editor@example.org',
    });
    expect(JSON.parse(entry.details!)).toEqual({
      name: 'Harz & "Ehrenamt"',
      match: 'all',
      rules: [rule('region', '15085'), rule('role', 'volunteer')],
    });
  });

  it('a segment created through an API token has no author', () => {
    const saved = segments.create(
      { name: 'Per API', description: '', match: 'any', rules: [] },
      f.token,
    );
    if (saved.kind !== 'saved') throw new Error(saved.kind);
    expect(saved.segment.createdBy).toBeNull();
    expect(f.audit('segment').at(-1)).toMatchObject({
      actor: 'api:crm',
      api_token_id: f.tokenId,
      user_id: null,
    });
  });

  it('writes nothing when the draft is wrong; counts when only the name is', () => {
    const rows = f.sql('select count(*) as n from segments');
    const audits = f.audit('segment').length;
    expect(
      segments.create(
        { name: '', description: '', match: 'all', rules: [rule('region', '15085')] },
        f.editor,
      ),
    ).toMatchObject({ kind: 'invalid', errors: { name: 'segments.errors.name' }, count: 2 });
    expect(
      segments.create(
        { name: 'X', description: '', match: 'all', rules: [rule('region', 'atlantis')] },
        f.editor,
      ),
    ).toMatchObject({
      kind: 'invalid',
      errors: { region: 'segments.errors.unknownValue' },
      count: null,
    });
    expect(f.sql('select count(*) as n from segments')).toEqual(rows);
    expect(f.audit('segment')).toHaveLength(audits);
  });

  it('updates and deletes, audited; an unknown id is missing', () => {
    const updated = segments.update(
      segment.id,
      { name: 'Harz oder Ehrenamt', description: '', match: 'any', rules: segment.rules },
      f.token,
    );
    expect(updated).toMatchObject({ kind: 'saved', segment: { match: 'any' } });
    expect(segments.counts(segments.find(segment.id)!).count).toBe(4);
    expect(f.audit('segment').at(-1)).toMatchObject({ action: 'update', actor: 'api:crm' });
    expect(
      segments.update(9999, { name: 'X', description: '', match: 'all', rules: [] }, f.token),
    ).toEqual({ kind: 'missing' });

    expect(segments.delete(segment.id, f.editor)).toBe(true);
    expect(segments.find(segment.id)).toBeUndefined();
    const entry = f.audit('segment').at(-1)!;
    expect(entry).toMatchObject({ action: 'delete', entity_id: String(segment.id) });
    expect(JSON.parse(entry.details!)).toEqual({ name: 'Harz oder Ehrenamt' });
    expect(segments.delete(segment.id, f.editor)).toBe(false);
  });

  it('names every region, role and topic for the form, inactive ones too', () => {
    f.run("update topics set active = 0 where key = 'funding'");
    const en = segments.choices('en');
    expect(en.topics.find((t) => t.key === 'funding')).toEqual({
      key: 'funding',
      label: 'Funding opportunities',
      active: false,
    });
    expect(en.roles.find((r) => r.key === 'volunteer')?.label).toBe('Volunteer');
    expect(segments.choices('de').regions.find((r) => r.key === '15085')?.label).toBe('Harz');
    expect(en.lists).toEqual([{ key: String(newsletter), label: 'Newsletter', active: true }]);
    // An inactive topic may still be named in a rule: people carry it.
    expect(segments.countRules([rule('topic', 'funding')], 'all')).toEqual({
      kind: 'counted',
      count: 2,
    });
  });
});

describe('validateRules and validateSegment', () => {
  const known: RuleVocabulary = {
    region: new Set(['15085']),
    role: new Set(['volunteer']),
    topic: new Set(['funding']),
    language: new Set(['de', 'en']),
    list: new Set(['1']),
    status: new Set(['confirmed']),
  };
  const problems = (rules: SegmentRule[], match = 'all') =>
    validateRules(rules, match, known).errors;

  it('accepts what exists and drops repeated values', () => {
    const checked = validateRules(
      [
        rule('region', '15085'),
        rule('language', 'de', 'en', 'de'),
        rule('list', '1'),
        rule('createdAfter', '2026-02-28'),
        rule('engagement', 'clicked', String(MAX_ENGAGEMENT_ISSUES)),
      ],
      'any',
      known,
    );
    expect(checked.errors).toEqual({});
    expect(checked.match).toBe('any');
    expect(checked.rules[1]).toEqual(rule('language', 'de', 'en'));
  });

  it.each([
    ['an unknown key', [rule('role', 'volunteer', 'pirate')], 'role', 'unknownValue'],
    ['a rule without values', [rule('region')], 'region', 'unknownValue'],
    ['an unknown list', [rule('list', '2')], 'list', 'unknownValue'],
    [
      'an unknown field',
      [{ field: 'shoeSize', values: ['42'] } as unknown as SegmentRule],
      'shoeSize',
      'unknownField',
    ],
    ['a date in words', [rule('createdAfter', 'gestern')], 'createdAfter', 'badDate'],
    [
      'a date that does not exist',
      [rule('createdBefore', '2026-13-45')],
      'createdBefore',
      'badDate',
    ],
    ['two dates', [rule('createdBefore', '2026-01-01', '2026-02-01')], 'createdBefore', 'badDate'],
    ['engagement of 0 issues', [rule('engagement', 'opened', '0')], 'engagement', 'badEngagement'],
    [
      'engagement of 51 issues',
      [rule('engagement', 'opened', '51')],
      'engagement',
      'badEngagement',
    ],
    [
      'an unknown engagement',
      [rule('engagement', 'forwarded', '3')],
      'engagement',
      'badEngagement',
    ],
    ['a rule given twice', [rule('role', 'volunteer'), rule('role', 'volunteer')], 'role', 'twice'],
    [
      '201 values',
      [rule('region', ...Array.from({ length: 201 }, (_, i) => `k${i}`))],
      'region',
      'tooMany',
    ],
  ])('refuses %s', (_what, rules, field, code) => {
    expect(problems(rules)).toEqual({ [field]: `segments.errors.${code}` });
  });

  it('refuses an unknown way of combining and more than 20 rules', () => {
    expect(problems([], 'some')).toEqual({ match: 'segments.errors.match' });
    const many = Array.from({ length: 21 }, () => rule('region', '15085'));
    expect(problems(many)).toMatchObject({ rules: 'segments.errors.tooMany' });
  });

  it('checks name and description as the list form does', () => {
    const check = (name: string, description = '') =>
      validateSegment({ name, description, match: 'all', rules: [] }, known).errors;
    expect(check('Harz')).toEqual({});
    expect(check('   ')).toEqual({ name: 'segments.errors.name' });
    expect(check('<i>Harz</i>')).toEqual({ name: 'segments.errors.name' });
    expect(check('x'.repeat(101))).toEqual({ name: 'segments.errors.name' });
    expect(check('Harz', 'x'.repeat(501))).toEqual({ description: 'segments.errors.description' });
    expect(check('Harz', '<script>')).toEqual({ description: 'segments.errors.description' });
  });
});
