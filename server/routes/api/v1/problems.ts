import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminTranslator } from '../../../i18n/admin.js';
import { problemTexts, type Problems } from '../../../services/reference/index.js';
import { error } from './schemas.js';

/** A 400 or 409 answer that names every field that is wrong, and why. */
export const problemsSchema = {
  type: 'object',
  properties: {
    ...error.properties,
    errors: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'what is wrong, per field',
    },
  },
} as const;

const english = adminTranslator('en');

export function fieldProblems(statusCode: 400 | 409, problems: Problems) {
  const errors = problemTexts(problems, english);
  return {
    error: statusCode === 400 ? 'Bad Request' : 'Conflict',
    message: Object.entries(errors)
      .map(([field, text]) => `${field}: ${text}`)
      .join(' '),
    statusCode,
    errors,
  };
}

/** What a property of a JSON body must hold, whether null is allowed, and the problem if not. */
export interface JsonField {
  type: 'string' | 'number' | 'boolean';
  nullable?: boolean;
  problem: string;
}

/**
 * A preValidation hook for JSON bodies: the app coerces scalar types for forms and query
 * strings, but in JSON a number where a string belongs (or the other way round) is a client's
 * mistake, answered 400 with the fields named, before coercion could hide it.
 */
export function strictJsonTypes(fields: Record<string, JsonField>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return;
    const values = body as Record<string, unknown>;
    const problems: Problems = {};
    for (const [name, field] of Object.entries(fields)) {
      const value = values[name];
      if (value === undefined || typeof value === field.type) continue;
      if (value === null && field.nullable) continue;
      problems[name] = field.problem;
    }
    if (Object.keys(problems).length) return reply.code(400).send(fieldProblems(400, problems));
  };
}
