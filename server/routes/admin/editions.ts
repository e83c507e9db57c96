import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, many, type FormBody } from '../../http/form.js';
import { languages } from '../../i18n/index.js';
import { roleAllows } from '../../services/accounts/index.js';
import {
  defaultSections,
  type EditionDetail,
  type EditionDraft,
  type Check,
  type EditionLock,
  type EditionSection,
  type EditionTranslation,
  type PreviewRequest,
  TEST_SEND_LIMITS,
} from '../../services/editions/index.js';
import { itemTypes, itemWarnings, type Item, type ItemType } from '../../services/items/index.js';
import { problemTexts, type RuleChoices } from '../../services/reference/index.js';

/** The languages an edition's texts can be translated into on the form (German is the edition). */
const translationLanguages = ['en', 'ar', 'uk'] as const;
const languageOf = (code: string) => languages.find((l) => l.code === code);

/** What the form shows: the values as typed, or as saved. */
interface EditionFormValues {
  number: string;
  title: string;
  subject: string;
  preheader: string;
  intro: string;
  targetDate: string;
  inArchive: boolean;
  /** The chosen item ids in display order. */
  items: number[];
  /** In display order. */
  sections: EditionSection[];
  translations: Record<string, EditionTranslation>;
}

function valuesOf(edition: EditionDetail): EditionFormValues {
  return {
    number: String(edition.number),
    title: edition.title,
    subject: edition.subject,
    preheader: edition.preheader,
    intro: edition.intro,
    targetDate: edition.targetDate ?? '',
    inArchive: edition.inArchive,
    items: edition.items.map((item) => item.id),
    sections: edition.sections,
    translations: edition.translations,
  };
}

const emptyValues = (number: string): EditionFormValues => ({
  number,
  title: '',
  subject: '',
  preheader: '',
  intro: '',
  targetDate: '',
  inArchive: true,
  items: [],
  sections: [...defaultSections],
  translations: {},
});

const ID = /^\d{1,15}$/;

/** An order number as typed: a whole number sorts by its value, anything else goes last. */
const rank = (value: string) => (/^\s*-?\d{1,6}\s*$/.test(value) ? Number(value) : Infinity);

/** Sorts by the typed order numbers; equal numbers keep the order the form listed them in. */
function byRank<T>(list: T[], typed: (x: T) => string): T[] {
  return list
    .map((x, i) => ({ x, i, r: rank(typed(x)) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map(({ x }) => x);
}

/**
 * The form as values (to show again) and as the draft the service checks. Items are the ticked
 * boxes ordered by their position inputs; sections by their order inputs. The service's problems
 * of `sections.<index>.…` are named by the section's type on the form: `sectionFields` says how.
 */
function readEditionForm(
  body: FormBody,
  current?: EditionDetail,
): {
  values: EditionFormValues;
  draft: EditionDraft;
  sectionFields: Map<string, string>;
  /** The `updatedAt` the form was loaded with. */
  basedOn: number | undefined;
} {
  const ticked = [...new Set(many(body.items).filter((id) => ID.test(id)))];
  const items = byRank(ticked, (id) => field(body, `position.${id}`)).map(Number);

  const formSections = itemTypes.map((type): EditionSection & { order: string } => ({
    type,
    heading: field(body, `sections.${type}.heading`),
    elsewhere: field(body, `sections.${type}.elsewhere`) === 'hide' ? 'hide' : 'show',
    order: field(body, `sections.${type}.order`),
  }));
  const sections = byRank(formSections, (s) => s.order).map(
    ({ order: _order, ...section }) => section,
  );
  const sectionFields = new Map<string, string>();
  sections.forEach((section, i) => {
    for (const part of ['type', 'heading', 'elsewhere'])
      sectionFields.set(`sections.${i}.${part}`, `sections.${section.type}.${part}`);
  });

  // Translations the form does not show (added through the API) stay as they are.
  const translations: Record<string, EditionTranslation> = { ...current?.translations };
  for (const lang of translationLanguages) {
    const headings: Partial<Record<ItemType, string>> = {};
    for (const type of itemTypes) {
      const heading = field(body, `translations.${lang}.headings.${type}`);
      if (heading) headings[type] = heading;
    }
    translations[lang] = {
      subject: field(body, `translations.${lang}.subject`),
      preheader: field(body, `translations.${lang}.preheader`),
      intro: field(body, `translations.${lang}.intro`),
      headings,
    };
  }

  const numberText = field(body, 'number').trim();
  const number = ID.test(numberText)
    ? Number(numberText)
    : numberText === '' && !current
      ? undefined // a new edition takes the first free number
      : Number.NaN;
  const targetDate = field(body, 'targetDate').trim();
  const values: EditionFormValues = {
    number: numberText,
    title: field(body, 'title'),
    subject: field(body, 'subject'),
    preheader: field(body, 'preheader'),
    intro: field(body, 'intro'),
    targetDate,
    inArchive: field(body, 'inArchive') === 'on',
    items,
    sections,
    translations,
  };
  const basedOn = field(body, 'basedOn');
  return {
    values,
    sectionFields,
    basedOn: ID.test(basedOn) ? Number(basedOn) : undefined,
    draft: {
      number,
      title: values.title,
      subject: values.subject,
      preheader: values.preheader,
      intro: values.intro,
      targetDate: targetDate || null,
      inArchive: values.inArchive,
      items,
      sections,
      translations,
    },
  };
}

/** The service's problems with the section fields named as the form names them. */
const formProblems = (problems: Record<string, string>, sectionFields: Map<string, string>) =>
  Object.fromEntries(
    Object.entries(problems).map(([name, code]) => [sectionFields.get(name) ?? name, code]),
  );

/** Region and role keys in words: "Regionen: Harz · Rollen: …", or "für alle". */
function audience(item: Item, c: RuleChoices, at: FastifyRequest['at']): string {
  const names = (list: { key: string; label: string }[], keys: string[]) =>
    keys.map((k) => list.find((x) => x.key === k)?.label ?? k).join(', ');
  const parts: string[] = [];
  if (item.regions.length) parts.push(`${at('items.regions')}: ${names(c.regions, item.regions)}`);
  if (item.roles.length) parts.push(`${at('items.roles')}: ${names(c.roles, item.roles)}`);
  return parts.length ? parts.join(' · ') : at('items.forEverybody');
}

/** The form's name of a field a problem is keyed by, for the error summary and autosave. */
function fieldLabel(
  name: string,
  at: FastifyRequest['at'],
  itemTitle: (id: number) => string | undefined,
): string {
  const section = /^sections\.(\w+)\.(heading|elsewhere|type)$/.exec(name);
  if (section)
    return `${at('editions.section', { type: at(`items.types.${section[1]}`) })}, ${at(`editions.sectionFields.${section[2]}`)}`;
  const tr = /^translations\.(\w+)\.(subject|preheader|intro|headings\.(\w+))$/.exec(name);
  if (tr) {
    const language = languageOf(tr[1]!)?.name ?? tr[1]!;
    const what = tr[3] ? at(`items.types.${tr[3]}`) : at(`editions.fields.${tr[2]}`);
    return `${at('editions.translation', { language })}, ${what}`;
  }
  const item = /^items\.(\d+)$/.exec(name);
  if (item) return itemTitle(Number(item[1])) ?? name;
  return at(`editions.fields.${name}`);
}

/** "Anna hat die Ausgabe inzwischen geändert (10:42)." */
const staleText = (stale: { by: string | null; at: number }, at: FastifyRequest['at']) =>
  at('editions.stale', { by: stale.by ?? at('editions.somebody'), time: berlinTime(stale.at) });

/** "Anna bearbeitet diese Ausgabe seit 10:02", when it is somebody else. */
const lockText = (lock: EditionLock, at: FastifyRequest['at']) =>
  lock.mine
    ? undefined
    : at('editions.lockedBy', { holder: lock.holder, time: berlinTime(lock.since) });

/** "31.03.2027" for an ISO date. */
const germanDate = (iso: string) => iso.split('-').reverse().join('.');

/** "10:42" in Berlin, where the editors work. */
const berlinTime = (at: number) =>
  new Intl.DateTimeFormat('de-DE', {
    timeZone: 'Europe/Berlin',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);

/** A date and time in Berlin: "30.11.2026, 10:42". */
const berlinDateTime = (at: number) =>
  new Intl.DateTimeFormat('de-DE', {
    timeZone: 'Europe/Berlin',
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(at);

/** The variant the preview shows, from its GET form: empty region or role means none. */
function variantOf(query: Record<string, string | undefined>): Required<PreviewRequest> {
  return {
    language: query.language || 'de',
    region: query.region || null,
    role: query.role || null,
  };
}

const variantQuery = (v: Required<PreviewRequest>) =>
  new URLSearchParams({ language: v.language, region: v.region ?? '', role: v.role ?? '' });

/**
 * The editions in the admin UI: the series plan, the edition form (texts, items picked from the
 * library in order, sections, translations) with autosave, and the preview of each variant with
 * the pre-send checks. Everyone sees; editors change.
 */
export default async function editionRoutes(app: FastifyInstance) {
  const service = app.services.editions;
  const editor = { config: { role: 'editor' as const } };
  const choices = (request: FastifyRequest) =>
    app.services.reference.segments.choices(request.user?.language ?? 'de');

  const findEdition = (request: FastifyRequest<{ Params: { id: string } }>) =>
    ID.test(request.params.id) ? service.find(Number(request.params.id)) : undefined;

  /** The library in section order, each type's items with their audience and warnings. */
  const library = (request: FastifyRequest, edition?: EditionDetail) => {
    const { at } = request;
    const c = choices(request);
    const known = new Map<number, Item>();
    let after: number | undefined;
    do {
      const page = app.services.items.list({ after, limit: 200 });
      for (const item of page.items) known.set(item.id, item);
      after = page.next ?? undefined;
    } while (after !== undefined);
    // An item deleted from the library since stays in the edition that has it.
    for (const item of edition?.items ?? []) if (!known.has(item.id)) known.set(item.id, item);
    return {
      known,
      entry: (item: Item) => ({
        id: item.id,
        type: item.type,
        title: item.title,
        audience: audience(item, c, at),
        warnings: itemWarnings(item).map((w) => ({
          code: w.code,
          text: at(`items.warnings.${w.code}`),
        })),
      }),
    };
  };

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: {
      edition?: EditionDetail;
      values: EditionFormValues;
      problems?: Record<string, string>;
      /** The `updatedAt` the form was loaded with (default: the edition's). */
      basedOn?: number;
      /** Somebody else saved since the form was loaded. */
      stale?: { by: string | null; at: number };
      /** The soft lock, when somebody else holds it. */
      lock?: EditionLock;
      /** The pre-send check's errors that kept the edition from the archive. */
      blocking?: Check[];
    },
    status = 200,
  ) => {
    const { at } = request;
    const errors = problemTexts(data.problems ?? {}, at);
    const { known, entry } = library(request, data.edition);
    const chosen = new Set(data.values.items);
    // Each section's group: the chosen items in their order, then the rest of the library.
    const groups = data.values.sections.map((section, i) => {
      const mine = data.values.items
        .map((id) => known.get(id))
        .filter((item): item is Item => item?.type === section.type);
      const rest = [...known.values()].filter(
        (item) => item.type === section.type && !chosen.has(item.id),
      );
      return {
        ...section,
        order: i + 1,
        items: [
          ...mine.map((item, p) => ({ ...entry(item), chosen: true, position: p + 1 })),
          ...rest.map((item) => ({ ...entry(item), chosen: false, position: '' })),
        ],
      };
    });
    const label = (name: string) => fieldLabel(name, at, (id) => known.get(id)?.title);
    const readOnly = !roleAllows(request.user!.role, 'editor') || data.edition?.status === 'sent';
    return reply.adminPage(
      'editions/form',
      {
        title: data.edition ? at('editions.edit') : at('editions.new'),
        edition: data.edition,
        values: data.values,
        errors,
        summary: Object.entries(errors).map(([name, message]) => ({
          href: `#${/^items\.\d+$/.test(name) ? `item-${name.slice(6)}` : name}`,
          text: `${label(name)}: ${message}`,
        })),
        groups,
        readOnly,
        translationLanguages: translationLanguages.map((code) => ({
          code,
          name: languageOf(code)?.name ?? code,
          dir: languageOf(code)?.dir ?? 'ltr',
        })),
        itemTypes,
        basedOn: data.basedOn ?? data.edition?.updatedAt ?? '',
        stale: data.stale && staleText(data.stale, at),
        lockText: data.lock && lockText(data.lock, at),
        blocking: data.blocking ?? [],
        publishedOn: data.edition?.publishedAt ? berlinDateTime(data.edition.publishedAt) : null,
        scripts: data.edition && !readOnly ? ['/assets/admin-editor.js'] : [],
      },
      status,
    );
  };

  app.get('/editions', async (request, reply) => {
    const { at } = request;
    const plan = service.plan();
    const summaries = new Map(service.list().map((e) => [e.id, e]));
    const free = plan.editions.find((e) => e.status === 'planned')?.number;
    const next = free ?? Math.max(0, ...plan.editions.map((e) => e.number)) + 1;
    return reply.adminPage('editions/index', {
      title: at('editions.title'),
      period: { from: germanDate(plan.period.from), to: germanDate(plan.period.to) },
      target: plan.target,
      next,
      editions: plan.editions.map((e) => ({
        ...e,
        date: germanDate(e.targetDate),
        itemCount: e.editionId ? (summaries.get(e.editionId)?.itemCount ?? 0) : null,
      })),
    });
  });

  app.get<{ Querystring: { number?: string } }>('/editions/new', editor, async (request, reply) => {
    const number = ID.test(request.query.number ?? '') ? request.query.number! : '';
    return form(request, reply, { values: emptyValues(number) });
  });

  app.post('/editions', async (request, reply) => {
    const { values, draft, sectionFields } = readEditionForm((request.body ?? {}) as FormBody);
    const result = service.create(draft, request.actor!);
    if (result.kind !== 'saved')
      return form(
        request,
        reply,
        { values, problems: formProblems(result.errors, sectionFields) },
        result.kind === 'conflict' ? 409 : 400,
      );
    return reply.redirect(`/admin/editions/${result.edition.id}?notice=editions.created`, 303);
  });

  app.get<{ Params: { id: string } }>('/editions/:id', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    // An editor opening the form takes (or renews) the soft lock; readers do not.
    const editing = roleAllows(request.user!.role, 'editor') && edition.status !== 'sent';
    const lock = editing ? service.lock(edition.id, request.actor!) : undefined;
    return form(request, reply, { edition, values: valuesOf(edition), lock });
  });

  /** The editor script renews the soft lock while the form is open, and hears who holds it. */
  app.post<{ Params: { id: string } }>('/editions/:id/lock', async (request, reply) => {
    if (!ID.test(request.params.id)) return reply.callNotFound();
    const lock = service.lock(Number(request.params.id), request.actor!);
    if (!lock) return reply.code(404).send({ error: 'Not Found', message: '', statusCode: 404 });
    return reply.send({ ...lock, notice: lockText(lock, request.at) ?? null });
  });

  /** The editor left the page: the lock is free at once instead of after its two minutes. */
  app.post<{ Params: { id: string } }>('/editions/:id/unlock', async (request, reply) => {
    if (!ID.test(request.params.id)) return reply.callNotFound();
    service.unlock(Number(request.params.id), request.actor!);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/editions/:id', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    const { values, draft, sectionFields, basedOn } = readEditionForm(
      (request.body ?? {}) as FormBody,
      edition,
    );
    const result = service.update(edition.id, draft, request.actor!, { basedOn });
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'sent')
      return reply.redirect(`/admin/editions/${edition.id}?notice=editions.alreadySent`, 303);
    // Nothing was saved: the form shows what was typed, with who saved in between.
    if (result.kind === 'stale')
      return form(request, reply, { edition, values, basedOn, stale: result }, 409);
    if (result.kind !== 'saved')
      return form(
        request,
        reply,
        { edition, values, basedOn, problems: formProblems(result.errors, sectionFields) },
        result.kind === 'conflict' ? 409 : 400,
      );
    return reply.redirect(`/admin/editions/${edition.id}?notice=editions.saved`, 303);
  });

  /** The form saved in the background: JSON for the editor script, nothing saved if invalid. */
  app.post<{ Params: { id: string } }>('/editions/:id/autosave', async (request, reply) => {
    const { at } = request;
    const edition = findEdition(request);
    if (!edition) return reply.code(404).send({ ok: false, savedAt: null, errors: {}, status: '' });
    const { draft, sectionFields, basedOn } = readEditionForm(
      (request.body ?? {}) as FormBody,
      edition,
    );
    const result = service.update(edition.id, draft, request.actor!, { autosave: true, basedOn });
    if (result.kind === 'missing')
      return reply.code(404).send({ ok: false, savedAt: null, errors: {}, status: '' });
    if (result.kind === 'sent')
      return reply.code(409).send({
        ok: false,
        savedAt: null,
        errors: {},
        status: at('editions.alreadySent'),
      });
    if (result.kind === 'stale')
      return reply.code(409).send({
        ok: false,
        savedAt: null,
        errors: {},
        stale: { by: result.by, at: result.at },
        status: staleText(result, at),
        reload: { href: `/admin/editions/${edition.id}`, text: at('editions.reload') },
      });
    if (result.kind !== 'saved') {
      const errors = problemTexts(formProblems(result.errors, sectionFields), at);
      const title = (id: number) => edition.items.find((item) => item.id === id)?.title;
      const problems = Object.entries(errors)
        .map(([name, message]) => `${fieldLabel(name, at, title)}: ${message}`)
        .join('; ');
      return reply.code(result.kind === 'conflict' ? 409 : 400).send({
        ok: false,
        savedAt: null,
        errors,
        status: at('editions.autosaveFailed', { problems }),
      });
    }
    const savedAt = result.edition.updatedAt;
    return reply.send({
      ok: true,
      savedAt,
      updatedAt: savedAt,
      errors: {},
      status: at('editions.autosaved', { time: berlinTime(savedAt) }),
    });
  });

  const revisionsPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    edition: EditionDetail,
    problem?: string,
  ) => {
    const { at } = request;
    const revisions = service.revisions(edition.id) ?? [];
    return reply.adminPage(
      'editions/revisions',
      {
        title: at('editions.revisionsTitle', { number: edition.number }),
        edition,
        problem,
        revisions: revisions.map((r) => ({ ...r, when: berlinDateTime(r.savedAt) })),
        readOnly: edition.status === 'sent',
      },
      problem ? 409 : 200,
    );
  };

  app.get<{ Params: { id: string } }>('/editions/:id/revisions', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    return revisionsPage(request, reply, edition);
  });

  app.post<{ Params: { id: string; number: string } }>(
    '/editions/:id/revisions/:number/restore',
    async (request, reply) => {
      const edition = findEdition(request);
      if (!edition || !ID.test(request.params.number)) return reply.callNotFound();
      const result = service.restore(edition.id, Number(request.params.number), request.actor!);
      if (result.kind === 'missing') return reply.callNotFound();
      if (result.kind === 'sent')
        return reply.redirect(`/admin/editions/${edition.id}?notice=editions.alreadySent`, 303);
      if (result.kind === 'stale') throw new Error('a restore cannot be stale');
      // E.g. the number the revision had is now another edition's.
      if (result.kind !== 'saved') {
        const { at } = request;
        const problems = problemTexts(result.errors, at);
        const text = Object.entries(problems)
          .map(([name, message]) => `${fieldLabel(name, at, () => undefined)}: ${message}`)
          .join('; ');
        return revisionsPage(
          request,
          reply,
          edition,
          at('editions.restoreFailed', { problems: text }),
        );
      }
      return reply.redirect(`/admin/editions/${edition.id}?notice=editions.restored`, 303);
    },
  );

  /** A web-only number: in the public archive without being sent, once the check allows. */
  app.post<{ Params: { id: string } }>('/editions/:id/publish', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    const result = await service.publish(edition.id, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'sent')
      return reply.redirect(`/admin/editions/${edition.id}?notice=editions.alreadySent`, 303);
    if (result.kind === 'blocked')
      return form(
        request,
        reply,
        { edition, values: valuesOf(edition), blocking: result.checks },
        409,
      );
    return reply.redirect(`/admin/editions/${edition.id}?notice=editions.published`, 303);
  });

  app.post<{ Params: { id: string } }>('/editions/:id/unpublish', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    const result = service.unpublish(edition.id, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'sent')
      return reply.redirect(`/admin/editions/${edition.id}?notice=editions.alreadySent`, 303);
    return reply.redirect(`/admin/editions/${edition.id}?notice=editions.unpublished`, 303);
  });

  /** The languages, regions and roles the preview's selectors offer. */
  const variantChoices = (request: FastifyRequest, edition: EditionDetail) => {
    const c = choices(request);
    return {
      languages: [
        'de',
        ...Object.keys(edition.translations).filter((code) => code !== 'de' && languageOf(code)),
      ].map((code) => ({ code, name: languageOf(code)?.name ?? code })),
      regions: c.regions,
      roles: c.roles,
    };
  };

  /** The preview page of a variant, with a test send's outcome or problems when there is one. */
  const previewPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    edition: EditionDetail,
    variant: Required<PreviewRequest>,
    opts: {
      spamScore?: boolean;
      testSent?: number;
      testProblems?: Record<string, string>;
      emails?: string;
    } = {},
  ) => {
    const { at } = request;
    const result = await service.preview(edition.id, variant, { spamScore: opts.spamScore });
    if (result.kind === 'missing') return reply.callNotFound();
    const testErrors = problemTexts(opts.testProblems ?? {}, at);
    const data = {
      title: at('editions.previewTitle', { number: edition.number }),
      edition,
      variant,
      choices: variantChoices(request, edition),
      query: variantQuery(variant).toString(),
      dir: languageOf(variant.language)?.dir ?? 'ltr',
      spamScore: opts.spamScore ?? false,
      testSent:
        opts.testSent === undefined
          ? null
          : at(opts.testSent === 1 ? 'editions.testQueuedOne' : 'editions.testQueued', {
              count: opts.testSent,
            }),
      testErrors,
      emails: opts.emails ?? '',
      addressLimit: TEST_SEND_LIMITS.addresses,
    };
    if (result.kind === 'invalid')
      return reply.adminPage(
        'editions/preview',
        { ...data, errors: { ...problemTexts(result.errors, at), ...testErrors }, preview: null },
        400,
      );
    const { preview } = result;
    return reply.adminPage(
      'editions/preview',
      {
        ...data,
        errors: testErrors,
        preview: { ...preview, kilobytes: (preview.size / 1024).toFixed(1).replace('.', ',') },
      },
      opts.testProblems ? 400 : 200,
    );
  };

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/editions/:id/preview',
    async (request, reply) => {
      const edition = findEdition(request);
      if (!edition) return reply.callNotFound();
      const sent = request.query.sent ?? '';
      return previewPage(request, reply, edition, variantOf(request.query), {
        spamScore: request.query.spam === '1',
        testSent: /^[1-9][0-9]?$/.test(sent) ? Number(sent) : undefined,
      });
    },
  );

  /** The edition as it is now to a few addresses, in the previewed variant, marked "[Test]". */
  app.post<{ Params: { id: string } }>('/editions/:id/test-send', async (request, reply) => {
    const edition = findEdition(request);
    if (!edition) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const variant = variantOf({
      language: field(body, 'language'),
      region: field(body, 'region'),
      role: field(body, 'role'),
    });
    const emails = field(body, 'emails');
    const result = await service.testSend(edition.id, { emails, ...variant }, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'invalid')
      return previewPage(request, reply, edition, variant, {
        testProblems: result.errors,
        emails,
      });
    const query = variantQuery(variant);
    query.set('sent', String(result.count));
    return reply.redirect(`/admin/editions/${edition.id}/preview?${query.toString()}`, 303);
  });

  /** The previewed variant's HTML for the sandboxed frames: no scripts, no requests but images. */
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    '/editions/:id/preview/html',
    async (request, reply) => {
      if (!ID.test(request.params.id)) return reply.callNotFound();
      const result = await service.preview(Number(request.params.id), variantOf(request.query));
      if (result.kind === 'missing') return reply.callNotFound();
      if (result.kind === 'invalid') return reply.code(400).send({ errors: result.errors });
      return reply
        .header(
          'Content-Security-Policy',
          "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
        )
        .header('X-Frame-Options', 'SAMEORIGIN')
        .type('text/html; charset=utf-8')
        .send(result.preview.html);
    },
  );
}
