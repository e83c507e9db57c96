import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  campaignStatuses,
  deliveryStatuses,
  type CampaignChanged,
  type CampaignDetail,
  type DeliveryStatus,
} from '../../../services/campaigns/index.js';
import type { Actor } from '../../../services/context.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, idParams, iso } from './schemas.js';

const counts = {
  type: 'object',
  properties: Object.fromEntries(
    [...deliveryStatuses, 'uncertain'].map((status) => [status, { type: 'integer' }]),
  ),
} as const;

const campaignSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    editionId: { type: 'integer' },
    status: { type: 'string', enum: [...campaignStatuses] },
    segmentIds: { type: 'array', items: { type: 'integer' } },
    listIds: { type: 'array', items: { type: 'integer' } },
    audience: {
      type: 'integer',
      description: 'deliveries the audience was fixed at when it started (0 before)',
    },
    scheduledAt: { type: ['string', 'null'], format: 'date-time' },
    confirmedSince: { type: ['string', 'null'], format: 'date-time' },
    pauseReason: { type: ['string', 'null'] },
    counts,
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const present = (c: CampaignDetail) => ({
  id: c.id,
  editionId: c.editionId,
  status: c.status,
  segmentIds: c.segmentIds,
  listIds: c.listIds,
  audience: c.audienceCount,
  scheduledAt: iso(c.scheduledAt),
  confirmedSince: iso(c.confirmedSince),
  pauseReason: c.pauseReason,
  counts: c.counts,
  startedAt: iso(c.startedAt),
  finishedAt: iso(c.finishedAt),
});

const notFound = (reply: FastifyReply) =>
  reply.code(404).send({ error: 'Not Found', message: 'no such campaign', statusCode: 404 });

const wrongState = (reply: FastifyReply, status: string, action: string) =>
  reply.code(409).send({
    error: 'Conflict',
    message: `a ${status} campaign cannot be ${action}`,
    statusCode: 409,
  });

const ids = { type: 'array', maxItems: 100, items: { type: 'integer', minimum: 1 } } as const;

interface CreateBody {
  editionId: number;
  segmentIds?: number[];
  listIds?: number[];
  scheduledAt?: string | null;
  confirmedSince?: string | null;
}

const time = (value: string | null | undefined) =>
  value === undefined || value === null ? null : Date.parse(value);

/** Campaigns in the API: create, start, pause, resume, cancel, retry, and read the ledger. */
export default async function campaignApi(app: FastifyInstance) {
  const service = app.services.campaigns;

  app.post<{ Body: CreateBody }>(
    '/campaigns',
    {
      schema: {
        summary: 'Create a campaign: one edition to segments and/or lists',
        description:
          'Each person once, even in several segments; unconfirmed, unsubscribed and blocked people never. The audience is fixed when it starts. `confirmedSince` limits it to people who confirmed since then ("send to newcomers"); people who already got the edition are always left out.',
        body: {
          type: 'object',
          properties: {
            editionId: { type: 'integer', minimum: 1 },
            segmentIds: ids,
            listIds: ids,
            scheduledAt: { type: ['string', 'null'], format: 'date-time' },
            confirmedSince: { type: ['string', 'null'], format: 'date-time' },
          },
          required: ['editionId'],
          additionalProperties: false,
        },
        response: { 201: campaignSchema, 400: problemsSchema, 401: error, 403: error },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = service.create(
        {
          editionId: body.editionId,
          segmentIds: body.segmentIds,
          listIds: body.listIds,
          scheduledAt: time(body.scheduledAt),
          confirmedSince: time(body.confirmedSince),
        },
        request.actor!,
      );
      if (result.kind === 'invalid') return reply.code(400).send(fieldProblems(400, result.errors));
      return reply
        .code(201)
        .header('Location', `/api/v1/campaigns/${result.campaign.id}`)
        .send(present(result.campaign));
    },
  );

  app.get(
    '/campaigns',
    {
      schema: {
        summary: 'List the campaigns, newest first',
        response: {
          200: {
            type: 'object',
            properties: { campaigns: { type: 'array', items: campaignSchema } },
          },
          401: error,
        },
      },
    },
    async () => ({
      campaigns: service.list().map((c) => present(service.find(c.id)!)),
    }),
  );

  app.get<{ Params: { id: number } }>(
    '/campaigns/:id',
    {
      schema: {
        summary: 'One campaign with its deliveries counted by status',
        params: idParams,
        response: { 200: campaignSchema, 401: error, 404: error },
      },
    },
    async (request, reply) => {
      const campaign = service.find(request.params.id);
      return campaign ? present(campaign) : notFound(reply);
    },
  );

  app.get<{ Params: { id: number } }>(
    '/campaigns/:id/audience',
    {
      schema: {
        summary: 'Who the campaign would reach now, per region and role',
        params: idParams,
        response: {
          200: {
            type: 'object',
            properties: {
              total: { type: 'integer' },
              alreadyReceived: { type: 'integer' },
              byRegion: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    key: { type: ['string', 'null'] },
                    name: { type: ['string', 'null'] },
                    count: { type: 'integer' },
                  },
                },
              },
              byRole: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { key: { type: ['string', 'null'] }, count: { type: 'integer' } },
                },
              },
            },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => service.audience(request.params.id) ?? notFound(reply),
  );

  const count = { type: 'integer', minimum: 0 } as const;
  app.get<{ Params: { id: number } }>(
    '/campaigns/:id/stats',
    {
      schema: {
        summary: 'What a campaign reached: opens and clicks with people and machines apart',
        description:
          'Human and machine figures are never summed. `unique_human` counts only people who ' +
          'gave tracking consent (everybody else is counted per edition, region and role, not ' +
          'per person). `unsubscribes` are people who left after this mail reached them and ' +
          'before the next newsletter did; `signups` and `registrations` came through its links.',
        params: idParams,
        response: {
          200: {
            type: 'object',
            required: [
              'delivered',
              'opens',
              'clicks',
              'unsubscribes',
              'bounces',
              'signups',
              'registrations',
            ],
            properties: {
              delivered: count,
              opens: {
                type: 'object',
                properties: { human: count, machine: count, unique_human: count },
              },
              clicks: {
                type: 'object',
                properties: {
                  human: count,
                  scanner: count,
                  unique_human: count,
                  by_link: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { url: { type: 'string' }, human: count, scanner: count },
                    },
                  },
                },
              },
              unsubscribes: count,
              bounces: count,
              signups: count,
              registrations: count,
            },
          },
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) =>
      service.find(request.params.id)
        ? app.services.tracking.stats(request.params.id)
        : notFound(reply),
  );

  app.post<{ Params: { id: number } }>(
    '/campaigns/:id/send',
    {
      schema: {
        summary: 'Start a campaign (or schedule it, when its time is ahead)',
        description:
          'The pre-send check must find no error (409 with the checks). Starting twice starts it once: the second call is a 409.',
        params: idParams,
        response: {
          202: campaignSchema,
          401: error,
          403: error,
          404: error,
          409: {
            type: 'object',
            properties: {
              ...error.properties,
              checks: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    level: { type: 'string' },
                    code: { type: 'string' },
                    message: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const result = await service.start(request.params.id, request.actor!);
      switch (result.kind) {
        case 'missing':
          return notFound(reply);
        case 'state':
          return wrongState(reply, result.status, 'started');
        case 'empty':
          return reply.code(409).send({
            error: 'Conflict',
            message: 'the audience is empty: nobody in it who has not got this edition',
            statusCode: 409,
          });
        case 'blocked':
          return reply.code(409).send({
            error: 'Conflict',
            message: result.checks.map((check) => check.message).join(' '),
            statusCode: 409,
            checks: result.checks,
          });
        default:
          return reply.code(202).send(present(service.find(request.params.id)!));
      }
    },
  );

  const actions: Record<string, (id: number, actor: Actor) => Promise<CampaignChanged>> = {
    pause: (id, actor) => service.pause(id, actor),
    resume: (id, actor) => service.resume(id, actor),
    cancel: (id, actor) => service.cancel(id, actor),
    'retry-failed': (id, actor) => service.retryFailed(id, actor),
  };

  for (const [action, run] of Object.entries(actions)) {
    app.post<{ Params: { id: number } }>(
      `/campaigns/:id/${action}`,
      {
        schema: {
          summary: {
            pause: 'Pause a sending campaign (batches wait within seconds)',
            resume: 'Resume a paused campaign',
            cancel: 'Cancel a campaign: what is still queued is skipped',
            'retry-failed': 'Queue the failed deliveries of a campaign again',
          }[action],
          params: idParams,
          response: { 200: campaignSchema, 401: error, 403: error, 404: error, 409: error },
        },
      },
      async (request, reply) => {
        const result = await run(request.params.id, request.actor!);
        if (result.kind === 'missing') return notFound(reply);
        if (result.kind === 'state') return wrongState(reply, result.status, `${action}d`);
        return present(result.campaign);
      },
    );
  }

  app.get<{
    Params: { id: number };
    Querystring: { status?: DeliveryStatus; after?: number; limit?: number };
  }>(
    '/campaigns/:id/deliveries',
    {
      schema: {
        summary: "A page of a campaign's deliveries (the ledger)",
        description:
          '`next` is the cursor for the following page (pass it as `after`); null on the last page.',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...deliveryStatuses] },
            after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              deliveries: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    subscriberId: {
                      type: ['integer', 'null'],
                      description: 'null once the person was erased',
                    },
                    email: { type: ['string', 'null'] },
                    status: { type: 'string', enum: [...deliveryStatuses] },
                    uncertain: {
                      type: 'boolean',
                      description:
                        'sent again after a crash left its first attempt open between DATA and the answer: a second copy is possible (same Message-ID)',
                    },
                    attempts: { type: 'integer' },
                    messageId: { type: ['string', 'null'] },
                    smtpResponse: { type: ['string', 'null'] },
                    relay: {
                      type: ['string', 'null'],
                      description:
                        'the SMTP relay that took the message (`host:port` of SMTP_URL); null before',
                    },
                    reason: { type: ['string', 'null'] },
                    sentAt: { type: ['string', 'null'], format: 'date-time' },
                  },
                },
              },
              next: { type: ['integer', 'null'] },
            },
          },
          400: error,
          401: error,
          404: error,
        },
      },
    },
    async (request, reply) => {
      const { status, after = 0, limit = 100 } = request.query;
      const page = service.deliveries(request.params.id, { status, after, limit });
      if (!page) return notFound(reply);
      return {
        deliveries: page.deliveries.map((d) => ({ ...d, sentAt: iso(d.sentAt) })),
        next: page.next,
      };
    },
  );
}
