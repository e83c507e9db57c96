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
