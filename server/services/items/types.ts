/** The item shape lives beside its table in db/schema.ts; services and routes take it from here. */
export { itemFields, itemTypes } from '../../../db/schema.js';
export type { Item, ItemFields, ItemTranslation, ItemType } from '../../../db/schema.js';
