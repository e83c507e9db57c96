/**
 * Regions, roles and topics on a real SQLite file: the entry check, keys that never change,
 * labels that do, and the audit entry naming who did it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  validateTaxonomyEntry,
  type TaxonomyDraft,
  type TaxonomyService,
} from '../../../../server/services/reference/index.js';
import { referenceFixture, type ReferenceFixture } from './setup.js';

let f: ReferenceFixture;
let taxonomy: TaxonomyService;

const entry = (over: Partial<TaxonomyDraft> = {}): TaxonomyDraft => ({
  key: '',
  name: '',
  kind: '',
  labels: {},
  position: '',
  active: true,
  ...over,
});
const role = (over: Partial<TaxonomyDraft> = {}) =>
  entry({ labels: { de: 'Peer-Beratung', en: 'Peer support' }, ...over });

beforeAll(() => {
  f = referenceFixture();
  taxonomy = f.service.taxonomy;
  f.people([
    { email: 'harz.one@example.org', region: '15085', roles: ['volunteer'] },
    { email: 'harz.two@example.org', region: '15085', roles: ['staff'], topics: ['funding'] },
  ]);
});

afterAll(() => f?.close());

describe('validateTaxonomyEntry', () => {
  it.each(['Peer Support', 'x', 'a'.repeat(41), 'new', 'über', ''])(
    'refuses the new key %j',
    (key) => {
      expect(validateTaxonomyEntry('roles', role({ key }), true).errors).toEqual({
        key: 'taxonomy.errors.key',
      });
    },
  );

  it('accepts a well-formed key, and ignores the key of an existing entry', () => {
    expect(validateTaxonomyEntry('roles', role({ key: ' peer-support ' }), true)).toMatchObject({
      values: { key: 'peer-support' },
      errors: {},
    });
    expect(validateTaxonomyEntry('roles', role({ key: 'Not A Key' }), false).errors).toEqual({});
  });

  it('needs German and English labels for roles and topics; the others are optional', () => {
    const { values, errors } = validateTaxonomyEntry(
      'topics',
      entry({ labels: { de: ' Förderung ', en: '', uk: '<b>', ar: '' }, position: 'x' }),
      false,
    );
    expect(errors).toEqual({
      'label-en': 'taxonomy.errors.label',
      'label-uk': 'taxonomy.errors.labelOptional',
      position: 'taxonomy.errors.position',
    });
    expect(values.labels).toEqual({ de: 'Förderung', en: '', uk: '<b>', ar: '' });
  });

  it('needs a name for regions; the kind and position have limits', () => {
    expect(validateTaxonomyEntry('regions', entry({ name: ' ' }), false).errors).toEqual({
      name: 'taxonomy.errors.name',
    });
    expect(
      validateTaxonomyEntry(
        'regions',
        entry({ name: 'Harz', kind: 'k'.repeat(61), position: '12345' }),
        false,
      ).errors,
    ).toEqual({ kind: 'taxonomy.errors.kind', position: 'taxonomy.errors.position' });
    expect(
      validateTaxonomyEntry('regions', entry({ name: 'Harz', position: '9999' }), false).errors,
    ).toEqual({});
  });
});

describe('TaxonomyService', () => {
  it('shows every entry with how many subscribers carry it', () => {
    const { regions, roles, topics } = taxonomy.overview();
    expect(regions.find((r) => r.key === '15085')).toMatchObject({ name: 'Harz', subscribers: 2 });
    expect(roles.find((r) => r.key === 'volunteer')).toMatchObject({ subscribers: 1 });
    expect(topics.find((t) => t.key === 'funding')).toMatchObject({ subscribers: 1 });
    expect(taxonomy.find('roles', 'staff')).toMatchObject({ key: 'staff', active: true });
    expect(taxonomy.find('regions', 'atlantis')).toBeUndefined();
  });

  it('adds a role at the end, with the labels given, audited under the editor', () => {
    const last = Math.max(...taxonomy.overview().roles.map((r) => r.position));
    const result = taxonomy.create(
      'roles',
      role({ key: 'peer-support', labels: { de: 'Peer-Beratung', en: 'Peer support', uk: '' } }),
      f.editor,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(taxonomy.find('roles', 'peer-support')).toMatchObject({
      labels: { de: 'Peer-Beratung', en: 'Peer support' },
      position: last + 1,
      active: true,
    });
    const audit = f.audit('role');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'create',
      entity_id: 'peer-support',
      user_id: f.userId,
      actor: 'editor@example.org',
    });
    expect(JSON.parse(audit[0]!.details!)).toEqual({
      labels: { de: 'Peer-Beratung', en: 'Peer support' },
      active: true,
    });
  });

  it('refuses a key that exists, and writes nothing', () => {
    expect(taxonomy.create('roles', role({ key: 'volunteer' }), f.editor)).toMatchObject({
      kind: 'invalid',
      errors: { key: 'taxonomy.errors.keyTaken' },
    });
    expect(f.audit('role')).toHaveLength(1);
  });

  it('adds a region by its code', () => {
    const result = taxonomy.create(
      'regions',
      entry({ key: '16051', name: 'Erfurt', kind: 'kreisfreie Stadt', position: '50' }),
      f.token,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(f.sql('select key, name, kind, position from regions where key = ?', '16051')).toEqual([
      { key: '16051', name: 'Erfurt', kind: 'kreisfreie Stadt', position: 50 },
    ]);
    expect(f.audit('region').at(-1)).toMatchObject({ action: 'create', actor: 'api:crm' });
  });

  it('relabels a role: the key and everybody who carries it stay', () => {
    const before = taxonomy.find('roles', 'volunteer')!;
    const result = taxonomy.update(
      'roles',
      'volunteer',
      role({ key: 'hacked', labels: { de: 'Freiwillig engagiert', en: 'Volunteer', ar: '' } }),
      f.editor,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(taxonomy.find('roles', 'volunteer')).toMatchObject({
      labels: { de: 'Freiwillig engagiert', en: 'Volunteer' },
      position: before.position,
    });
    expect(taxonomy.find('roles', 'hacked')).toBeUndefined();
    expect(
      f.sql("select count(*) as n from subscriber_roles where role_key = 'volunteer'"),
    ).toEqual([{ n: 1 }]);
    expect(f.audit('role').at(-1)).toMatchObject({ action: 'update', entity_id: 'volunteer' });
  });

  it('renames and deactivates a region; its subscribers keep it', () => {
    const result = taxonomy.update(
      'regions',
      '15085',
      entry({ name: 'Landkreis Harz', kind: 'Landkreis', position: '7', active: false }),
      f.editor,
    );
    expect(result).toEqual({ kind: 'saved' });
    expect(taxonomy.find('regions', '15085')).toMatchObject({
      name: 'Landkreis Harz',
      position: 7,
      active: false,
    });
    expect(f.sql("select count(*) as n from subscribers where region_key = '15085'")).toEqual([
      { n: 2 },
    ]);
    const last = f.audit('region').at(-1)!;
    expect(last).toMatchObject({ action: 'update', entity_id: '15085' });
    expect(JSON.parse(last.details!)).toEqual({ name: 'Landkreis Harz', active: false });
  });

  it('keeps the values when the entry is wrong, and knows no unknown key', () => {
    const result = taxonomy.update('topics', 'funding', entry({ labels: { de: 'X' } }), f.editor);
    expect(result).toMatchObject({
      kind: 'invalid',
      values: { labels: { de: 'X', en: '' } },
      errors: { 'label-en': 'taxonomy.errors.label' },
    });
    expect(taxonomy.update('roles', 'nope', role(), f.editor)).toEqual({ kind: 'missing' });
    expect(f.audit('topic')).toEqual([]);
  });
});
