/** The edition shape lives beside its table in db/schema.ts; services and routes take it from here. */
export { editionStatuses } from '../../../db/schema.js';
export type {
  Edition,
  EditionSection,
  EditionStatus,
  EditionTranslation,
} from '../../../db/schema.js';
