/**
 * The items an edition is made of, as editors fill them in (field keys in English, labels in
 * German in the admin UI). Dates are `YYYY-MM-DD`, times ISO 8601 (Europe/Berlin).
 */
export const itemTypes = [
  'funding',
  'counselling',
  'training',
  'meeting',
  'support',
  'text',
] as const;
export type ItemType = (typeof itemTypes)[number];

/** The structured fields of each item type (all optional strings). */
export const itemFields = {
  funding: ['programme', 'funder', 'funded', 'amount', 'deadline', 'url'],
  counselling: [
    'organisation',
    'person',
    'topics',
    'languages',
    'address',
    'phone',
    'email',
    'hours',
    'url',
  ],
  training: ['startsAt', 'endsAt', 'place', 'url', 'fee', 'accessibility'],
  meeting: ['startsAt', 'endsAt', 'place', 'url', 'fee', 'accessibility'],
  support: ['url'],
  text: ['imageUrl', 'imageAlt', 'buttonLabel', 'buttonUrl'],
} as const satisfies Record<ItemType, readonly string[]>;

export type ItemFields<T extends ItemType = ItemType> = Partial<
  Record<(typeof itemFields)[T][number], string>
>;

/** A translation of an item's texts; what is missing falls back to German. */
export interface ItemTranslation {
  title?: string;
  description?: string;
}

export interface Item {
  id: number;
  type: ItemType;
  title: string;
  /** Short Markdown (sanitised when rendered: no raw HTML; links http, https, mailto, tel). */
  description: string;
  /** Region keys the item is tied to; empty = for everybody. */
  regions: string[];
  /** Role keys the item is tied to; empty = for everybody. */
  roles: string[];
  fields: ItemFields;
  /** Per language code (en, ar, uk …). */
  translations: Record<string, ItemTranslation>;
  createdAt: number;
  updatedAt: number;
}
