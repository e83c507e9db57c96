/**
 * The import service as the admin pages and the worker use it: a real SQLite file, real files
 * in the data directory and the run's redis-server (own queue prefix). No HTTP.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, type Database_ } from '../../../../db/client.js';
import { createUser } from '../../../../db/queries/users.js';
import { createQueues, mailSubscriber, type Queues } from '../../../../workers/queues.js';
import { Secrets } from '../../../../server/infra/security.js';
import type { Actor, ServiceContext } from '../../../../server/services/context.js';
import { ImportService } from '../../../../server/services/imports/index.js';
import { testConfig, type TestConfig } from '../../../helpers/env.js';
import { fixture } from './_setup.js';

let config: TestConfig;
let database: Database_;
let queues: Queues;
let ctx: ServiceContext;
let imports: ImportService;
let editor: Extract<Actor, { kind: 'user' }>;

const rows = <T>(sql: string, ...params: unknown[]) =>
  database.sqlite.prepare(sql).all(...params) as T[];
const status = (id: number) =>
  rows<{ status: string }>('select status from imports where id = ?', id)[0]!.status;
const auditOf = (id: number) =>
  rows<{ action: string; actor: string; user_id: number | null; details: string }>(
    "select action, actor, user_id, details from audit_log where entity = 'import' and entity_id = ? order by id",
    String(id),
  );

beforeAll(() => {
  config = testConfig();
  database = openDatabase(config.databaseFile);
  migrateDatabase(database);
  queues = createQueues(config.redisUrl!, config.queuePrefix, () => {});
  const log = { info() {}, warn() {}, error() {} };
  ctx = { db: database.db, config, secrets: new Secrets(config.secretKey), queues, log };
  imports = new ImportService(ctx);
  const user = createUser(
    { email: 'editor@landpost.test', name: 'Editor', passwordHash: 'x', role: 'editor' },
    database.db,
  );
  editor = { kind: 'user', userId: user.id, email: user.email, ip: '192.0.2.7' };
});

afterAll(async () => {
  await queues?.close();
  database?.close();
  config?.cleanup();
});

/** Upload a fixture and validate it with the guessed mapping. */
function uploadAndValidate(name: string): number {
  const created = imports.create({ fileName: name, bytes: fixture(name) }, editor);
  if (!created.ok) throw created.error;
  const id = created.import.id;
  const result = imports.validate(id, created.import.options.mapping);
  expect(result.kind).toBe('validated');
  return id;
}

describe('uploading', () => {
  it('keeps the file (owner-only) with a guessed mapping, a preview and an audit entry', () => {
    const created = imports.create(
      { fileName: 'C:\\Users\\anna\\Teilnehmer\u0007.csv', bytes: fixture('latin1-semicolon.csv') },
      editor,
    );
    if (!created.ok) throw created.error;
    const row = created.import;
    expect(row).toMatchObject({ status: 'uploaded', fileName: 'Teilnehmer.csv', totalRows: 2 });
    expect(row.createdBy).toBe(editor.userId);
    expect(row.filePath).toBe(join(config.dataDir, 'imports', `${row.id}.csv`));
    expect(statSync(row.filePath).mode & 0o777).toBe(0o600);
    expect(imports.find(row.id)!.options).toMatchObject({
      encoding: 'windows-1252',
      delimiter: ';',
      mapping: ['email', 'name', 'region', 'topics'],
      preview: [
        ['juergen@example.org', 'Jürgen Müller', 'Börde', 'Fördermöglichkeiten'],
        expect.arrayContaining(['Grete Weiß']),
      ],
    });
    const [audit] = auditOf(row.id);
    expect(audit).toMatchObject({ action: 'upload', actor: 'editor@landpost.test' });
    expect(JSON.parse(audit!.details)).toEqual({
      fileName: 'Teilnehmer.csv',
      rows: 2,
      encoding: 'windows-1252',
    });
  });

  it('answers an unreadable file with its problem and stores nothing', () => {
    const before = rows('select id from imports');
    const result = imports.create({ fileName: 'x.csv', bytes: fixture('header-only.csv') }, editor);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('headerOnly');
    expect(rows('select id from imports')).toEqual(before);
  });
});

describe('mapping and validation', () => {
  it('needs an e-mail column, then stores the mapping and the report', () => {
    const created = imports.create(
      { fileName: 'f.csv', bytes: fixture('with-errors.csv') },
      editor,
    );
    if (!created.ok) throw created.error;
    const id = created.import.id;
    const noEmail = imports.validate(id, ['ignore', 'name', 'region', 'roles', 'topics']);
    expect(noEmail).toMatchObject({ kind: 'invalid', problem: 'emailMissing' });
    expect(status(id)).toBe('uploaded');
    // Unknown choices count as "ignore"; a missing choice too.
    const twice = imports.validate(id, ['email', 'name', 'name', 'bogus']);
    expect(twice).toMatchObject({
      kind: 'invalid',
      problem: 'fieldTwice',
      mapping: ['email', 'name', 'name', 'ignore', 'ignore'],
    });
    const result = imports.validate(id, created.import.options.mapping);
    expect(result.kind).toBe('validated');
    const row = imports.find(id)!;
    expect(row.status).toBe('ready');
    expect(row.report).toMatchObject({ totalRows: 6, validRows: 1, problemRows: 5 });
    expect(row.options.mapping).toEqual(created.import.options.mapping);
  });
});

describe('starting and running', () => {
  it('checks the start form and names the problem of each field', async () => {
    const id = uploadAndValidate('fixed.csv');
    const start = (mode: string, consentSource = '') =>
      imports.start(id, { mode, consentSource }, editor);
    expect(await start('everyone')).toMatchObject({
      kind: 'invalid',
      errors: { mode: 'imports.start.modeInvalid' },
    });
    expect(await start('confirmed', '   ')).toMatchObject({
      kind: 'invalid',
      errors: { consentSource: 'imports.start.sourceMissing' },
    });
    expect(await start('confirmed', 'Liste\nBcc: x@example.org')).toMatchObject({
      kind: 'invalid',
      errors: { consentSource: 'imports.start.sourceInvalid' },
    });
    expect(await start('confirmed', 'x'.repeat(501))).toMatchObject({
      kind: 'invalid',
      errors: { consentSource: 'imports.start.sourceInvalid' },
    });
    expect(status(id)).toBe('ready');
    expect(auditOf(id).map((a) => a.action)).toEqual(['upload']);

    const uploaded = imports.create({ fileName: 'f.csv', bytes: fixture('fixed.csv') }, editor);
    if (!uploaded.ok) throw uploaded.error;
    expect(
      await imports.start(uploaded.import.id, { mode: 'confirmation', consentSource: '' }, editor),
    ).toMatchObject({ kind: 'not-startable' });
    expect(
      await imports.start(99_999, { mode: 'confirmation', consentSource: '' }, editor),
    ).toEqual({ kind: 'not-found' });
  });

  it('writes the rows, their consent records and queues one confirmation mail per new address', async () => {
    const id = uploadAndValidate('bom-comma.csv');
    const started = await imports.start(id, { mode: 'confirmation', consentSource: '' }, editor);
    expect(started.kind).toBe('started');
    expect(status(id)).toBe('running');
    const jobs = await queues.import.getJobs(['waiting']);
    expect(jobs.map((j) => j.data)).toContainEqual({ importId: id });

    // What the import worker does with the job:
    expect(await imports.run(id)).toEqual({ created: 2, updated: 0, unchanged: 0, skipped: 0 });
    const people = rows<{ id: number; email: string; status: string; language: string }>(
      "select id, email, status, language from subscribers where email in ('anna@example.org', 'ben@example.org') order by email",
    );
    expect(people.map(({ email, status, language }) => ({ email, status, language }))).toEqual([
      { email: 'anna@example.org', status: 'unconfirmed', language: 'de' },
      { email: 'ben@example.org', status: 'unconfirmed', language: 'en' },
    ]);
    const consent = rows<{ kind: string; channel: string; source: string; details: string }>(
      'select kind, channel, source, list_ids, details from consent_events where subscriber_id = ? order by id',
      people[0]!.id,
    );
    expect(consent).toEqual([
      {
        kind: 'signup',
        channel: 'import',
        source: `import:${id}`,
        list_ids: expect.stringMatching(/^\[\d+\]$/),
        details: JSON.stringify({ importId: id, consentSource: null, enteredBy: editor.email }),
      },
    ]);
    const mails = await queues.mail.getJobs(['waiting']);
    expect(
      mails
        .map((m) => [m.name, mailSubscriber(m.data)])
        .sort((a, b) => Number(a[1]) - Number(b[1])),
    ).toEqual(people.map((p) => ['confirmation', p.id]));
    expect(status(id)).toBe('done');
    // Once the rows are in the database, the uploaded file is gone.
    expect(existsSync(join(config.dataDir, 'imports', `${id}.csv`))).toBe(false);
    const audit = auditOf(id);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['upload', 'editor@landpost.test'],
      ['start', 'editor@landpost.test'],
    ]);
    expect(JSON.parse(audit[1]!.details)).toEqual({
      mode: 'confirmation',
      consentSource: null,
      rows: 2,
    });
  });

  it('confirmed with a stated source: signup and confirmed records, no mails', async () => {
    const source = 'Teilnehmerliste Fachtag Halle, Papiereinwilligung';
    const mailsBefore = (await queues.mail.getJobs(['waiting'])).length;
    const id = uploadAndValidate('fixed.csv');
    const cli: Actor = { kind: 'cli' };
    expect(
      await imports.start(id, { mode: 'confirmed', consentSource: ` ${source} ` }, cli),
    ).toMatchObject({ kind: 'started' });
    expect(await imports.run(id)).toEqual({ created: 4, updated: 0, unchanged: 0, skipped: 0 });
    const events = rows<{ kind: string; details: string }>(
      "select e.kind, e.details from consent_events e join subscribers s on s.id = e.subscriber_id where s.email = 'karl@example.org' order by e.id",
    );
    expect(events.map((e) => [e.kind, JSON.parse(e.details)])).toEqual([
      ['signup', { importId: id, consentSource: source, enteredBy: 'cli' }],
      ['confirmed', { importId: id }],
    ]);
    expect(rows("select status from subscribers where email = 'karl@example.org'")).toEqual([
      { status: 'confirmed' },
    ]);
    expect(await queues.mail.getJobs(['waiting'])).toHaveLength(mailsBefore);
    expect(auditOf(id).map((a) => [a.action, a.actor, a.user_id])).toEqual([
      ['upload', 'editor@landpost.test', editor.userId],
      ['start', 'cli', null],
    ]);
  });

  it('puts the import back when the queue cannot take the job, and starts it later', async () => {
    const id = uploadAndValidate('tab.csv');
    // A second set of queues whose Redis connection is gone (Redis went away).
    const broken = createQueues(config.redisUrl!, config.queuePrefix, () => {});
    await broken.import.waitUntilReady();
    broken.connection.disconnect();
    try {
      const offline = new ImportService({ ...ctx, queues: broken });
      await expect(
        offline.start(id, { mode: 'confirmation', consentSource: '' }, editor),
      ).rejects.toThrow();
    } finally {
      await broken.close();
    }
    expect(status(id)).toBe('ready');
    expect(auditOf(id).map((a) => a.action)).toEqual(['upload']);
    expect((await queues.import.getJobs(['waiting'])).map((j) => j.data.importId)).not.toContain(
      id,
    );

    expect(
      await imports.start(id, { mode: 'confirmation', consentSource: '' }, editor),
    ).toMatchObject({ kind: 'started' });
    expect(status(id)).toBe('running');
    expect(auditOf(id).map((a) => a.action)).toEqual(['upload', 'start']);
  });
});
