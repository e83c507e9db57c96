/**
 * The list rules on a real SQLite file: the one validator, a key made once from the name,
 * a taken name, deletion refused while people are on a list, a segment names it or it is the
 * last one, and the audit entry naming who did it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  validateList,
  type ListDraft,
  type ListService,
} from '../../../../server/services/reference/index.js';
import { referenceFixture, type ReferenceFixture } from './setup.js';

let f: ReferenceFixture;
let lists: ListService;

const draft = (over: Partial<ListDraft> = {}): ListDraft => ({
  name: 'Weiterbildung',
  description: '',
  isPublic: true,
  doubleOptIn: true,
  defaultLanguage: 'de',
  ...over,
});

beforeAll(() => {
  f = referenceFixture();
  lists = f.service.lists;
});

afterAll(() => f?.close());

describe('validateList', () => {
  it('trims, joins line breaks and accepts a plain list', () => {
    const { input, errors } = validateList(
      draft({ name: '  Harz  ', description: ' eins\r\nzwei ', defaultLanguage: '' }),
    );
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: 'Harz',
      description: 'eins\nzwei',
      isPublic: true,
      doubleOptIn: true,
      defaultLanguage: 'de',
    });
  });

  it.each([
    ['blank name', { name: '   ' }, 'name', 'lists.errors.name'],
    ['markup in the name', { name: '<b>Harz</b>' }, 'name', 'lists.errors.name'],
    ['a line break in the name', { name: 'Harz\nBörde' }, 'name', 'lists.errors.name'],
    ['a name of 101 characters', { name: 'x'.repeat(101) }, 'name', 'lists.errors.name'],
    [
      'a long description',
      { description: 'x'.repeat(501) },
      'description',
      'lists.errors.description',
    ],
    [
      'markup in the description',
      { description: 'a < b' },
      'description',
      'lists.errors.description',
    ],
    ['an unknown language', { defaultLanguage: 'xx' }, 'defaultLanguage', 'lists.errors.language'],
  ])('refuses %s', (_what, over, field, key) => {
    const { errors } = validateList(draft(over));
    expect(errors).toEqual({ [field]: key });
  });

  it('accepts a name of exactly 100 characters; an unknown language falls back to German', () => {
    expect(validateList(draft({ name: 'x'.repeat(100) })).errors).toEqual({});
    expect(validateList(draft({ defaultLanguage: 'xx' })).input.defaultLanguage).toBe('de');
  });
});

describe('ListService', () => {
  let id: number;

  it('creates a list with a key from the name, audited under the editor', () => {
    const result = lists.create(
      draft({ name: 'Harz & "Börde" aktuell', isPublic: false }),
      f.editor,
    );
    expect(result.kind).toBe('saved');
    if (result.kind !== 'saved') return;
    id = result.list.id;
    expect(result.list).toMatchObject({
      key: 'harz-boerde-aktuell',
      isPublic: false,
      subscriberCount: 0,
    });
    expect(f.sql('select key, name, is_public from lists where id = ?', id)).toEqual([
      { key: 'harz-boerde-aktuell', name: 'Harz & "Börde" aktuell', is_public: 0 },
    ]);
    const [entry] = f.audit('list');
    expect(entry).toMatchObject({
      user_id: f.userId,
      api_token_id: null,
      actor: 'editor@example.org',
      ip: '203.0.113.5',
      action: 'create',
      entity_id: String(id),
    });
    expect(JSON.parse(entry!.details!)).toMatchObject({
      name: 'Harz & "Börde" aktuell',
      key: 'harz-boerde-aktuell',
    });
  });

  it('refuses a name another list has, whatever the case', () => {
    const before = f.sql('select * from lists');
    expect(lists.create(draft({ name: 'NEWSLETTER' }), f.editor)).toMatchObject({
      kind: 'conflict',
      errors: { name: 'lists.errors.nameTaken' },
    });
    // A taken name among other problems: everything is named, and it is no conflict.
    expect(
      lists.create(draft({ name: 'newsletter', defaultLanguage: 'xx' }), f.editor),
    ).toMatchObject({
      kind: 'invalid',
      errors: { name: 'lists.errors.nameTaken', defaultLanguage: 'lists.errors.language' },
    });
    expect(f.sql('select * from lists')).toEqual(before);
    expect(f.audit('list')).toHaveLength(1);
  });

  it('updates a list through an API token; the key stays, its own name is not taken', () => {
    const result = lists.update(
      id,
      draft({ name: 'HARZ & "Börde" aktuell', doubleOptIn: false, defaultLanguage: 'en' }),
      f.token,
    );
    expect(result).toMatchObject({ kind: 'saved', list: { key: 'harz-boerde-aktuell' } });
    expect(
      f.sql('select name, double_opt_in, default_language from lists where id = ?', id),
    ).toEqual([{ name: 'HARZ & "Börde" aktuell', double_opt_in: 0, default_language: 'en' }]);
    expect(f.audit('list').at(-1)).toMatchObject({
      user_id: null,
      api_token_id: f.tokenId,
      actor: 'api:crm',
      ip: '198.51.100.7',
      action: 'update',
      entity_id: String(id),
    });
    expect(lists.update(id, draft({ name: 'Newsletter' }), f.token).kind).toBe('conflict');
    expect(lists.update(9999, draft(), f.token)).toEqual({ kind: 'missing' });
  });

  it('refuses to delete a list while people are on it, and deletes it once they left', () => {
    const [person] = f.people([{ email: 'on.harz@example.org', lists: { [id]: 'unconfirmed' } }]);
    expect(lists.delete(id, f.editor)).toMatchObject({ kind: 'blocked', reason: 'subscribers' });
    f.run("update subscriptions set status = 'unsubscribed' where subscriber_id = ?", person);
    expect(lists.find(id)?.subscriberCount).toBe(0);
    expect(lists.delete(id, f.editor)).toEqual({ kind: 'deleted' });
    expect(f.sql('select * from lists where id = ?', id)).toEqual([]);
    // Former subscriptions go with the list.
    expect(f.sql('select * from subscriptions where list_id = ?', id)).toEqual([]);
    expect(f.audit('list').at(-1)).toMatchObject({ action: 'delete', actor: 'editor@example.org' });
    expect(JSON.parse(f.audit('list').at(-1)!.details!)).toEqual({
      name: 'HARZ & "Börde" aktuell',
      key: 'harz-boerde-aktuell',
    });
    expect(lists.delete(id, f.editor)).toEqual({ kind: 'missing' });
  });

  it('refuses to delete a list a segment names, and the last list', () => {
    const created = lists.create(draft({ name: 'Segmentiert' }), f.editor);
    if (created.kind !== 'saved') throw new Error(created.kind);
    const listId = created.list.id;
    f.sql(
      "insert into segments (name, rules) values ('S', ?) returning id",
      JSON.stringify([{ field: 'list', values: [String(listId)] }]),
    );
    expect(lists.delete(listId, f.editor)).toMatchObject({ kind: 'blocked', reason: 'segments' });
    f.run('delete from segments');
    expect(lists.delete(listId, f.editor).kind).toBe('deleted');

    const [newsletter] = lists.all();
    expect(lists.all()).toHaveLength(1);
    expect(lists.delete(newsletter!.id, f.editor)).toMatchObject({
      kind: 'blocked',
      reason: 'last',
    });
    expect(lists.all()).toHaveLength(1);
  });

  it('offers public lists to the sign-up form only when there are several', () => {
    expect(lists.publicChoices()).toEqual([]);
    expect(lists.defaultList().key).toBe('newsletter');
    const created = lists.create(draft({ name: 'Zweite' }), f.editor);
    if (created.kind !== 'saved') throw new Error(created.kind);
    expect(lists.publicChoices().map((l) => l.name)).toEqual(['Newsletter', 'Zweite']);
    expect(lists.chosenPublicIds([String(created.list.id), '999', 'x'])).toEqual([created.list.id]);
  });
});
