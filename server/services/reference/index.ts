import type { Db } from '../../../db/client.js';
import type { ServiceContext } from '../context.js';
import { formChoices, type FormChoices } from './choices.js';
import { ListService } from './lists.js';
import { SegmentService } from './segments.js';
import { TaxonomyService } from './taxonomy.js';

export { labelFor, type FormChoices, type RuleChoices } from './choices.js';
export * from './lists.js';
export * from './problems.js';
export * from './segments.js';
export * from './taxonomy.js';

/**
 * Reference data: the lists people subscribe to, saved segments, and the regions, roles and
 * topics that profiles and rules refer to. One service per noun, reached through this one.
 */
export class ReferenceService {
  readonly lists: ListService;
  readonly segments: SegmentService;
  readonly taxonomy: TaxonomyService;
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
    this.lists = new ListService(ctx);
    this.segments = new SegmentService(ctx);
    this.taxonomy = new TaxonomyService(ctx);
  }

  /** Regions, roles, topics and public lists as the sign-up and preferences forms show them. */
  formChoices(lang: string): FormChoices {
    return formChoices(this.db, lang);
  }
}
