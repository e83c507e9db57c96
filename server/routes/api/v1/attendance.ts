import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MARK_LIMIT } from '../../../services/attendance/index.js';
import { fieldProblems, problemsSchema } from './problems.js';
import { error, idParams } from './schemas.js';

interface Body {
  registrationIds: number[];
  present: boolean;
}

/**
 * In JSON an id given as a string, or `present` as "true", is a client's mistake: answered 400
 * with the field named before the schema's coercion could hide it.
 */
async function typedBody(request: FastifyRequest, reply: FastifyReply) {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return;
  const { registrationIds, present } = body as Record<string, unknown>;
  const problems: Record<string, string> = {};
  if (
    registrationIds !== undefined &&
    !(Array.isArray(registrationIds) && registrationIds.every((id) => typeof id === 'number'))
  )
    problems.registrationIds = 'attendance.errors.registrationIdsType';
  if (present !== undefined && typeof present !== 'boolean')
    problems.present = 'attendance.errors.present';
  if (Object.keys(problems).length) return reply.code(400).send(fieldProblems(400, problems));
}

/** Attendance in the API: an event's people marked present or absent (editor tokens). */
export default async function attendanceApi(app: FastifyInstance) {
  const service = app.services.attendance;

  app.post<{ Params: { id: number }; Body: Body }>(
    '/events/:id/attendance',
    {
      preValidation: typedBody,
      schema: {
        summary: "Mark registrations of an event as present or absent (the event's attendance)",
        description:
          'Every id must be a registration (or walk-in) of this event that is not cancelled or waiting; otherwise the answer is a 400 naming the ids and nothing changes. Attendance can be recorded from the day of the event on (Europe/Berlin); before, the answer is a 409. `updated` counts the registrations whose attendance changed; `present` and `registered` are the counts of the whole event afterwards.',
        params: idParams,
        body: {
          type: 'object',
          properties: {
            registrationIds: {
              type: 'array',
              items: { type: 'integer', minimum: 1 },
              minItems: 1,
              maxItems: MARK_LIMIT,
              description: 'ids of registrations of this event',
            },
            present: { type: 'boolean', description: 'true: came; false: did not come' },
          },
          required: ['registrationIds', 'present'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              updated: { type: 'integer', description: 'registrations whose attendance changed' },
              present: { type: 'integer', description: 'people present at the event' },
              registered: {
                type: 'integer',
                description: 'people on the event’s list (registered and walk-ins)',
              },
            },
          },
          400: problemsSchema,
          401: error,
          403: error,
          404: error,
          409: error,
        },
      },
    },
    async (request, reply) => {
      const { registrationIds, present } = request.body;
      const result = service.mark(request.params.id, registrationIds, present, request.actor!);
      switch (result.kind) {
        case 'missing':
          return reply
            .code(404)
            .send({ error: 'Not Found', message: 'no such event', statusCode: 404 });
        case 'too-early':
          return reply.code(409).send({
            error: 'Conflict',
            message: `attendance can be recorded from the day of the event on (${result.opensOn}, Europe/Berlin)`,
            statusCode: 409,
          });
        case 'unknown': {
          const problem = fieldProblems(400, {
            registrationIds: 'attendance.errors.registrationIds',
          });
          const ids = result.ids.join(', ');
          return reply.code(400).send({
            ...problem,
            message: `registrationIds: not registrations of this event: ${ids}`,
            errors: { registrationIds: `${problem.errors.registrationIds} (${ids})` },
          });
        }
        case 'recorded':
          return {
            updated: result.updated,
            present: result.present,
            registered: result.registered,
          };
      }
    },
  );
}
