import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  editionLimits,
  editionStatuses,
  type Edition,
  type EditionDetail,
  type EditionDraft,
  type EditionPatch,
  type PreviewRequest,
  type TestSendRequest,
  TEST_SEND_LIMITS,
} from '../../../services/editions/index.js';
import { itemTypes } from '../../../services/items/index.js';
import { plainTextPattern } from '../../../services/plain-text.js';
import { itemSchema } from './items.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, idParams, iso } from './schemas.js';

const plain = (maxLength: number) =>
  ({ type: 'string', maxLength, pattern: plainTextPattern }) as const;

const markdown = {
  type: 'string',
  maxLength: editionLimits.intro,
  description:
    'Markdown without raw HTML; link targets (autolinks too) only http://, https://, mailto:, tel:',
} as const;

const headings = {
  type: 'object',
  properties: Object.fromEntries(itemTypes.map((type) => [type, plain(editionLimits.heading)])),
  additionalProperties: false,
} as const;

const translationSchema = {
  type: 'object',
  properties: {
    subject: plain(editionLimits.subject),
    preheader: plain(editionLimits.preheader),
    intro: markdown,
    headings,
  },
  additionalProperties: false,
} as const;

const sectionSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: [...itemTypes] },
    heading: { ...plain(editionLimits.heading), minLength: 1 },
    elsewhere: {
      type: 'string',
      enum: ['show', 'hide'],
      description: "whether the section's items show to readers outside their regions",
    },
  },
  required: ['type', 'heading', 'elsewhere'],
  additionalProperties: false,
} as const;

/** The properties of an edition body: the limits are the service's (validateEdition checks the same). */
const editionBodyProperties = {
  number: {
    type: 'integer',
    minimum: 1,
    maximum: editionLimits.number,
    description: 'the number in the series; missing: the next free one; taken: 409',
  },
  title: { ...plain(editionLimits.title), minLength: 1 },
  subject: { ...plain(editionLimits.subject), minLength: 1 },
  preheader: plain(editionLimits.preheader),
  intro: markdown,
  targetDate: {
    type: ['string', 'null'],
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description: 'YYYY-MM-DD; null: spread over the period by the series plan',
  },
  inArchive: {
    type: 'boolean',
    description: 'shown in the public archive once sent (or published); false keeps it out',
  },
  items: {
    type: 'array',
    maxItems: editionLimits.items,
    items: { type: 'integer', minimum: 1 },
    description:
      'item ids from the library in display order, each once (an unknown or repeated id is a 400 naming it); none: allowed for a draft, reported as the warning no-items',
  },
  sections: {
    type: 'array',
    maxItems: itemTypes.length,
    items: sectionSchema,
    description: `one per item type (${itemTypes.join(', ')}) in display order; missing: German defaults`,
  },
  translations: {
    type: 'object',
    maxProperties: 20,
    additionalProperties: translationSchema,
    description:
      'subject, preheader, intro and section headings per language code (en, ar, uk …); missing: German',
  },
} as const;

const { warnings: itemWarningsSchema, ...itemProperties } = itemSchema.properties;

const editionProperties = {
  id: { type: 'integer' },
  number: { type: 'integer' },
  title: { type: 'string' },
  subject: { type: 'string' },
  preheader: { type: 'string' },
  intro: { type: 'string' },
  status: { type: 'string', enum: [...editionStatuses] },
  targetDate: { type: ['string', 'null'] },
  inArchive: { type: 'boolean' },
  publishedAt: {
    type: ['string', 'null'],
    format: 'date-time',
    description: 'when it was put in the public archive without being sent; null otherwise',
  },
  slug: { type: 'string' },
  sections: { type: 'array', items: sectionSchema },
  translations: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: {
        subject: { type: 'string' },
        preheader: { type: 'string' },
        intro: { type: 'string' },
        headings: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

const editionSchema = {
  type: 'object',
  properties: {
    ...editionProperties,
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ...itemProperties, itemWarnings: itemWarningsSchema },
      },
    },
    warnings: {
      type: 'array',
      description: 'what an editor should know: no-items (an edition without items)',
      items: {
        type: 'object',
        properties: {
          code: { type: 'string', enum: ['no-items'] },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

const summarySchema = {
  type: 'object',
  properties: { ...editionProperties, itemCount: { type: 'integer' } },
} as const;

const planSchema = {
  type: 'object',
  properties: {
    period: {
      type: 'object',
      properties: { from: { type: 'string' }, to: { type: 'string' } },
    },
    target: { type: 'integer', description: 'the editions the indicators plan (newsletters)' },
    editions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          number: { type: 'integer' },
          status: { type: 'string', enum: [...editionStatuses] },
          editionId: { type: ['integer', 'null'] },
          title: { type: ['string', 'null'] },
          targetDate: { type: 'string' },
          dateSet: {
            type: 'boolean',
            description: "true: the edition's own date; false: spread over the period",
          },
        },
      },
    },
  },
} as const;

const checksSchema = {
  type: 'array',
  description:
    'the pre-send checks over every variant the edition goes out in; an error blocks the send',
  items: {
    type: 'object',
    properties: {
      level: { type: 'string', enum: ['error', 'warning', 'info'] },
      code: {
        type: 'string',
        description:
          'subject-missing, preheader-missing, no-items, render-failed, size-large, size-clipped, image-alt-missing, link-insecure, link-broken, deadline-past, training-past, variant-empty, unsubscribe-missing, imprint-missing, attribution-missing, spam-score, spam-score-unavailable',
      },
      message: { type: 'string' },
    },
  },
} as const;

const previewBody = {
  type: 'object',
  properties: {
    language: {
      type: 'string',
      maxLength: 20,
      description: 'a language code (de, en, ar, uk …); missing: de',
    },
    region: {
      type: ['string', 'null'],
      maxLength: 100,
      description: 'a region key; missing or null: a reader without region',
    },
    role: {
      type: ['string', 'null'],
      maxLength: 100,
      description: 'a role key; missing or null: a reader without role',
    },
  },
  additionalProperties: false,
} as const;

const previewSchema = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    preheader: { type: 'string' },
    html: { type: 'string' },
    text: { type: 'string' },
    size: { type: 'integer', description: 'bytes of the HTML part (Gmail clips from 102 KB)' },
    checks: checksSchema,
  },
} as const;

const times = <T extends Edition>(edition: T) => ({
  ...edition,
  publishedAt: edition.publishedAt === null ? null : iso(edition.publishedAt),
  createdAt: iso(edition.createdAt),
  updatedAt: iso(edition.updatedAt),
});

const testBody = {
  type: 'object',
  properties: {
    emails: {
      type: 'array',
      minItems: 1,
      maxItems: TEST_SEND_LIMITS.addresses,
      items: { type: 'string', maxLength: 254 },
      description: `1 to ${TEST_SEND_LIMITS.addresses} addresses; they need not be subscribers`,
    },
    ...previewBody.properties,
  },
  required: ['emails'],
  additionalProperties: false,
} as const;

const revisionSchema = {
  type: 'object',
  properties: {
    number: { type: 'integer', description: '1, 2, … per edition; restore names it' },
    savedAt: { type: 'string', format: 'date-time' },
    savedBy: { type: ['string', 'null'], description: 'user e-mail, or "API: token name"' },
    autosave: { type: 'boolean' },
    title: { type: 'string' },
    subject: { type: 'string' },
    itemCount: { type: 'integer' },
  },
} as const;

const revisionParams = {
  type: 'object',
  properties: {
    id: idParams.properties.id,
    number: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
  },
  required: ['id', 'number'],
} as const;

const present = (edition: EditionDetail) => ({
  ...times(edition),
  items: edition.items.map((item) => ({
    ...item,
    createdAt: iso(item.createdAt),
    updatedAt: iso(item.updatedAt),
  })),
});

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such edition', statusCode: 404 });

const sent = (reply: FastifyReply) =>
  reply.code(409).send({
    error: 'Conflict',
    message: 'this edition has been sent and can no longer be changed',
    statusCode: 409,
  });

/** Editions in the API: read them and the series plan (viewer tokens), create and change (editor tokens). */
export default async function editionApi(app: FastifyInstance) {
  const service = app.services.editions;

  app.get(
    '/editions',
    {
      schema: {
        summary: 'List the editions in the order of the series',
        response: {
          200: {
            type: 'object',
            properties: { editions: { type: 'array', items: summarySchema } },
          },
          401: error,
        },
      },
    },
    async () => ({ editions: service.list().map(times) }),
  );

  app.get(
    '/editions/plan',
    {
      schema: {
        summary: 'The series plan: the planned editions with their state and target dates',
        description:
          'Numbers 1 to the seeded target (and any edition beyond it); an edition without its own date gets one spread evenly over the indicators\u2019 period.',
        response: { 200: planSchema, 401: error },
      },
    },
    async () => service.plan(),
  );

  app.post<{ Body: EditionDraft }>(
    '/editions',
    {
      schema: {
        summary: 'Create an edition (a draft)',
        body: {
          type: 'object',
          properties: editionBodyProperties,
          required: ['title', 'subject', 'items'],
          additionalProperties: false,
        },
        response: {
          201: editionSchema,
          400: problemsSchema,
          401: error,
          403: error,
          409: problemsSchema,
        },
      },
    },
    async (request, reply) => {
      const result = service.create(request.body, request.actor!);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      if (result.kind === 'conflict')
        return reply.code(409).send(fieldProblems(409, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/editions/${result.edition.id}`)
        .send(present(result.edition));
    },
  );

  app.get<{ Params: { id: number } }>(
    '/editions/:id',
    {
      schema: {
        summary: 'One edition with its items in order',
        params: idParams,
        response: { 200: editionSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const edition = service.find(request.params.id);
      if (!edition) return notFound(reply);
      return present(edition);
    },
  );

  app.patch<{ Params: { id: number }; Body: EditionPatch }>(
    '/editions/:id',
    {
      schema: {
        summary:
          'Change an edition: only the given properties change (items, sections and translations as a whole); a sent edition is a 409',
        params: idParams,
        body: {
          type: 'object',
          properties: editionBodyProperties,
          minProperties: 1,
          additionalProperties: false,
        },
        response: {
          200: editionSchema,
          400: problemsSchema,
          401: error,
          403: error,
          404: error,
          409: problemsSchema,
        },
      },
    },
    async (request, reply) => {
      const result = service.update(request.params.id, request.body, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'stale') throw new Error('a PATCH without basedOn cannot be stale');
      if (result.kind === 'sent') return sent(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      if (result.kind === 'conflict')
        return reply.code(409).send(fieldProblems(409, result.errors));
      return present(result.edition);
    },
  );

  app.post<{ Params: { id: number }; Body: PreviewRequest | undefined }>(
    '/editions/:id/preview',
    {
      // Looking changes nothing: viewer tokens may preview.
      config: { role: 'viewer' },
      schema: {
        summary:
          'One variant of an edition as a sample recipient gets it, with the pre-send checks',
        description:
          'The sample recipient is "Erika Mustermann"; its unsubscribe and preferences links point to /u/preview and /p/preview, never to a real token. Without the spam score (see /check).',
        params: idParams,
        body: previewBody,
        response: { 200: previewSchema, 400: problemsSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const result = await service.preview(request.params.id, request.body ?? {});
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return result.preview;
    },
  );

  app.post<{ Params: { id: number } }>(
    '/editions/:id/check',
    {
      schema: {
        summary: 'The pre-send checks of an edition, with the spam score',
        description:
          'Every variant the edition goes out in; the German variant is scored with SpamAssassin where it is installed (spam-score: warning from 3, error from 5), else spam-score-unavailable.',
        params: idParams,
        response: {
          200: { type: 'object', properties: { checks: checksSchema } },
          401: error,
          403: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const result = await service.preview(request.params.id, {}, { spamScore: true });
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') throw new Error('the default variant was refused');
      return { checks: result.preview.checks };
    },
  );

  app.post<{ Params: { id: number }; Body: TestSendRequest }>(
    '/editions/:id/test',
    {
      schema: {
        summary: 'Send a test mail of an edition to one or more addresses',
        description: `The edition as it is now, in the chosen variant, for the sample recipient; the subject starts with "[Test]". Queued like every mail (202); it arrives within seconds. At most ${TEST_SEND_LIMITS.perHour} test mails per edition and hour.`,
        params: idParams,
        body: testBody,
        response: {
          202: { type: 'object', properties: { queued: { type: 'integer' } } },
          400: problemsSchema,
          401: error,
          403: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const result = await service.testSend(request.params.id, request.body, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply.code(202).send({ queued: result.count });
    },
  );

  app.post<{ Params: { id: number } }>(
    '/editions/:id/publish',
    {
      schema: {
        summary: 'Put an edition in the public archive without sending it',
        description:
          'Refused (409, with the blocking checks) while the pre-send check finds an error. The edition stays a draft and can still be sent.',
        params: idParams,
        response: {
          200: editionSchema,
          401: error,
          403: error,
          404: error,
          409: {
            type: 'object',
            properties: { ...error.properties, checks: checksSchema },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await service.publish(request.params.id, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'sent') return sent(reply);
      if (result.kind === 'blocked')
        return reply.code(409).send({
          error: 'Conflict',
          message: result.checks.map((check) => check.message).join(' '),
          statusCode: 409,
          checks: result.checks,
        });
      return present(result.edition);
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/editions/:id/publish',
    {
      schema: {
        summary: 'Take a published (unsent) edition out of the public archive',
        params: idParams,
        response: { 200: editionSchema, 401: error, 403: error, 404: error, 409: error },
      },
    },
    async (request, reply) => {
      const result = service.unpublish(request.params.id, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'sent') return sent(reply);
      if (result.kind === 'blocked') throw new Error('taking out is never blocked');
      return present(result.edition);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/editions/:id/revisions',
    {
      schema: {
        summary: 'The saved states of an edition, newest first',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: { revisions: { type: 'array', items: revisionSchema } },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const revisions = service.revisions(request.params.id);
      if (!revisions) return notFound(reply);
      return {
        revisions: revisions.map((revision) => ({ ...revision, savedAt: iso(revision.savedAt) })),
      };
    },
  );

  app.post<{ Params: { id: number; number: number } }>(
    '/editions/:id/revisions/:number/restore',
    {
      schema: {
        summary: 'Go back to a saved state of an edition',
        description:
          'Its texts, sections, translations and items become the edition\u2019s again, as a new revision; items deleted from the library since are left out.',
        params: revisionParams,
        response: {
          200: editionSchema,
          400: problemsSchema,
          401: error,
          403: error,
          404: error,
          409: error,
        },
      },
    },
    async (request, reply) => {
      const result = service.restore(request.params.id, request.params.number, request.actor!);
      if (result.kind === 'missing') return notFound(reply);
      if (result.kind === 'sent') return sent(reply);
      if (result.kind === 'invalid' || result.kind === 'conflict')
        return reply
          .code(result.kind === 'invalid' ? 400 : 409)
          .send(fieldProblems(result.kind === 'invalid' ? 400 : 409, result.errors));
      if (result.kind === 'stale') throw new Error('a restore cannot be stale');
      return present(result.edition);
    },
  );
}
