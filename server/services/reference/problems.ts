import type { Translate } from '../../i18n/index.js';

/**
 * What is wrong with an input, per field: the value is a key of the admin texts
 * (`lists.errors.name`). The admin form shows the text next to the field; the API names the
 * field in its 400 answer.
 */
export type Problems = Record<string, string>;

export const hasProblems = (problems: Problems): boolean => Object.keys(problems).length > 0;

/** The problems in words, in the translator's language. */
export function problemTexts(problems: Problems, t: Translate): Record<string, string> {
  return Object.fromEntries(Object.entries(problems).map(([field, key]) => [field, t(key)]));
}
