import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from 'drizzle-orm/sqlite-core';
// Types only: the item's shape is defined once, where its rules live.

/** Unix epoch milliseconds; every time column uses it. */
const ms = (name: string) => integer(name, { mode: 'number' });
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** Labels per language, e.g. { "de": "Ehrenamtlich engagiert", "en": "Volunteer" }. */
type Labels = Record<string, string>;

export const regions = sqliteTable('regions', {
  key: text('key').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  position: integer('position').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

export const roles = sqliteTable('roles', {
  key: text('key').primaryKey(),
  labels: text('labels', { mode: 'json' }).$type<Labels>().notNull(),
  position: integer('position').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

export const topics = sqliteTable('topics', {
  key: text('key').primaryKey(),
  labels: text('labels', { mode: 'json' }).$type<Labels>().notNull(),
  position: integer('position').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

export const lists = sqliteTable('lists', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  isPublic: integer('is_public', { mode: 'boolean' }).notNull().default(true),
  doubleOptIn: integer('double_opt_in', { mode: 'boolean' }).notNull().default(true),
  defaultLanguage: text('default_language').notNull().default('de'),
  createdAt: ms('created_at').notNull().default(now),
});

/** The consent text shown on the form, versioned; a consent record names the version it saw. */
export const consentTexts = sqliteTable(
  'consent_texts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    version: text('version').notNull(),
    language: text('language').notNull(),
    text: text('text').notNull(),
    createdAt: ms('created_at').notNull().default(now),
  },
  (t) => [uniqueIndex('consent_texts_version_language').on(t.version, t.language)],
);

/**
 * Where a sign-up or an event registration came from: a newsletter edition (its links), the
 * public archive, an event page, a colleague's personal recommendation link, a campaign code
 * (`?src=` on printed flyers), or nowhere in particular.
 */
export const sourceKinds = ['direct', 'edition', 'archive', 'event', 'referral', 'code'] as const;
export type SourceKind = (typeof sourceKinds)[number];

export const subscriberStatuses = ['unconfirmed', 'confirmed', 'unsubscribed', 'blocked'] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

export const subscribers = sqliteTable(
  'subscribers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull().unique(),
    name: text('name').notNull().default(''),
    regionKey: text('region_key').references(() => regions.key, { onUpdate: 'cascade' }),
    language: text('language').notNull().default('de'),
    status: text('status', { enum: subscriberStatuses }).notNull().default('unconfirmed'),
    trackingConsent: integer('tracking_consent', { mode: 'boolean' }).notNull().default(false),
    source: text('source').notNull().default(''),
    /** Where the sign-up came from (see `sourceKinds`); the columns below name it. */
    sourceKind: text('source_kind', { enum: sourceKinds }).notNull().default('direct'),
    sourceEditionId: integer('source_edition_id').references((): AnySQLiteColumn => editions.id, {
      onDelete: 'set null',
    }),
    sourceCampaignId: integer('source_campaign_id').references(
      (): AnySQLiteColumn => campaigns.id,
      { onDelete: 'set null' },
    ),
    sourceEventId: integer('source_event_id').references((): AnySQLiteColumn => events.id, {
      onDelete: 'set null',
    }),
    /** The subscriber whose recommendation link brought this person. */
    referredBy: integer('referred_by').references((): AnySQLiteColumn => subscribers.id, {
      onDelete: 'set null',
    }),
    /** A campaign code, e.g. from a printed flyer (`?src=flyer-harz`). */
    sourceCode: text('source_code'),
    createdAt: ms('created_at').notNull().default(now),
    confirmedAt: ms('confirmed_at'),
    unsubscribedAt: ms('unsubscribed_at'),
    lastConfirmationAt: ms('last_confirmation_at'),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [
    index('subscribers_status_created').on(t.status, t.createdAt),
    index('subscribers_referred_by').on(t.referredBy),
    index('subscribers_region').on(t.regionKey),
    // Sort orders of the admin list (keyset pages; the id is implicit in every index).
    index('subscribers_created').on(t.createdAt),
    index('subscribers_confirmed').on(t.confirmedAt),
  ],
);

export const subscriberRoles = sqliteTable(
  'subscriber_roles',
  {
    subscriberId: integer('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    roleKey: text('role_key')
      .notNull()
      .references(() => roles.key, { onUpdate: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.roleKey] }),
    index('subscriber_roles_role').on(t.roleKey),
  ],
);

export const subscriberTopics = sqliteTable(
  'subscriber_topics',
  {
    subscriberId: integer('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    topicKey: text('topic_key')
      .notNull()
      .references(() => topics.key, { onUpdate: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.topicKey] }),
    index('subscriber_topics_topic').on(t.topicKey),
  ],
);

export const subscriptionStatuses = ['unconfirmed', 'confirmed', 'unsubscribed'] as const;

export const subscriptions = sqliteTable(
  'subscriptions',
  {
    subscriberId: integer('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    listId: integer('list_id')
      .notNull()
      .references(() => lists.id, { onDelete: 'cascade' }),
    status: text('status', { enum: subscriptionStatuses }).notNull().default('unconfirmed'),
    createdAt: ms('created_at').notNull().default(now),
    confirmedAt: ms('confirmed_at'),
    unsubscribedAt: ms('unsubscribed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.subscriberId, t.listId] }),
    index('subscriptions_list').on(t.listId, t.status),
  ],
);

export const consentEventKinds = [
  'signup',
  'confirmation_sent',
  'confirmed',
  'preferences_changed',
  'tracking_granted',
  'tracking_withdrawn',
  'unsubscribed',
  'erased',
] as const;
export type ConsentEventKind = (typeof consentEventKinds)[number];

/**
 * The consent log. Append-only (triggers in the migration refuse UPDATE, and DELETE of any
 * record of a person who ever confirmed). It keeps a keyed hash of the address so the proof
 * survives erasure of the subscriber row.
 */
export const consentEvents = sqliteTable(
  'consent_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subscriberId: integer('subscriber_id').notNull(),
    emailHash: text('email_hash').notNull(),
    kind: text('kind', { enum: consentEventKinds }).notNull(),
    at: ms('at').notNull().default(now),
    ip: text('ip'),
    userAgent: text('user_agent'),
    source: text('source'),
    channel: text('channel'),
    consentTextVersion: text('consent_text_version'),
    templateVersion: text('template_version'),
    listIds: text('list_ids', { mode: 'json' }).$type<number[]>(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('consent_events_subscriber').on(t.subscriberId, t.at),
    index('consent_events_hash').on(t.emailHash),
  ],
);

export const tokenPurposes = ['confirm'] as const;

/** One-time tokens: random, stored as SHA-256, expiring, used once. */
export const subscriberTokens = sqliteTable(
  'subscriber_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subscriberId: integer('subscriber_id')
      .notNull()
      .references(() => subscribers.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: tokenPurposes }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: ms('created_at').notNull().default(now),
    expiresAt: ms('expires_at').notNull(),
    usedAt: ms('used_at'),
  },
  (t) => [index('subscriber_tokens_subscriber').on(t.subscriberId)],
);

/**
 * Mails that committed changes owe (a transactional outbox): a row is written in the same
 * transaction as the change, and marked once Redis took the job. Rows not marked after a
 * minute are queued again by a sweep, under their original job id.
 */
export const mailOutbox = sqliteTable(
  'mail_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The mail job's name (confirmation, welcome, preferences-link …). */
    name: text('name').notNull(),
    /** The subscriber a subscriber's mail goes to; null for a test send. */
    subscriberId: integer('subscriber_id').references(() => subscribers.id, {
      onDelete: 'cascade',
    }),
    /** The test send an edition's test mail is for; null for a subscriber's mail. */
    testSendId: integer('test_send_id').references(() => testSends.id, { onDelete: 'cascade' }),
    /** The event registration a registration's mail (confirmation, reminder …) is about. */
    registrationId: integer('registration_id').references(
      (): AnySQLiteColumn => eventRegistrations.id,
      { onDelete: 'cascade' },
    ),
    /** The job id it is queued under: the same mail is never owed, nor queued, twice. */
    jobId: text('job_id').notNull().unique(),
    createdAt: ms('created_at').notNull(),
    queuedAt: ms('queued_at'),
  },
  (t) => [
    index('mail_outbox_unqueued').on(t.queuedAt, t.createdAt),
    index('mail_outbox_subscriber').on(t.subscriberId),
    index('mail_outbox_created').on(t.createdAt),
  ],
);

/**
 * Sign-up forms already sent: the nonce of each signed form token, kept until the token
 * expires, so one token cannot carry a second sign-up.
 */
export const usedFormTokens = sqliteTable(
  'used_form_tokens',
  {
    nonce: text('nonce').primaryKey(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('used_form_tokens_expires').on(t.expiresAt)],
);

export const apiTokens = sqliteTable('api_tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'editor', 'viewer'] })
    .notNull()
    .default('admin'),
  tokenHash: text('token_hash').notNull().unique(),
  prefix: text('prefix').notNull(),
  createdAt: ms('created_at').notNull().default(now),
  lastUsedAt: ms('last_used_at'),
  revokedAt: ms('revoked_at'),
});

/** Editable texts of transactional mails (welcome), per language; defaults come from i18n. */
export const mailTexts = sqliteTable(
  'mail_texts',
  {
    key: text('key').notNull(),
    language: text('language').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.key, t.language] })],
);

/**
 * The organisation's own settings, one row at most. A null column was never saved: the
 * environment's value (ORG_NAME, MAIL_FROM …) or the built-in default applies.
 */
export const organisationSettings = sqliteTable(
  'organisation_settings',
  {
    id: integer('id').primaryKey(),
    name: text('name'),
    tagline: text('tagline'),
    /** The funded project's name, e.g. on the title page of the funder's report. */
    project: text('project'),
    /** The logo's file name under DATA_DIR/uploads, served at /media/<name>. */
    logoFile: text('logo_file'),
    logoAlt: text('logo_alt'),
    primaryColour: text('primary_colour'),
    textColour: text('text_colour'),
    imprint: text('imprint'),
    postalAddress: text('postal_address'),
    funderAttribution: text('funder_attribution'),
    senderName: text('sender_name'),
    senderAddress: text('sender_address'),
    replyTo: text('reply_to'),
    privacyUrl: text('privacy_url'),
    /** Open and click tracking for the whole installation; null: on (consent still decides). */
    trackingEnabled: integer('tracking_enabled', { mode: 'boolean' }),
    /** The funded programme's period the indicators count (`YYYY-MM-DD`); null: the default. */
    programmeFrom: text('programme_from'),
    programmeTo: text('programme_to'),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [check('organisation_settings_one_row', sql`${t.id} = 1`)],
);

/** Messages received by the built-in development mail catcher. */
export const caughtMails = sqliteTable(
  'caught_mails',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    receivedAt: ms('received_at').notNull().default(now),
    envelopeFrom: text('envelope_from').notNull().default(''),
    envelopeTo: text('envelope_to', { mode: 'json' }).$type<string[]>().notNull(),
    subject: text('subject').notNull().default(''),
    headers: text('headers').notNull(),
    html: text('html'),
    text: text('text'),
    raw: text('raw').notNull(),
  },
  (t) => [index('caught_mails_received').on(t.receivedAt)],
);

export const userRoles = ['admin', 'editor', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

/** People who log in to the admin UI. */
export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  passwordHash: text('password_hash').notNull(),
  role: text('role', { enum: userRoles }).notNull().default('editor'),
  language: text('language').notNull().default('de'),
  totpSecret: text('totp_secret'),
  totpEnabled: integer('totp_enabled', { mode: 'boolean' }).notNull().default(false),
  /** The 30-second time step of the last second-factor code used: a code counts once. */
  totpLastStep: integer('totp_last_step'),
  createdAt: ms('created_at').notNull().default(now),
  lastLoginAt: ms('last_login_at'),
  passwordChangedAt: ms('password_changed_at'),
  disabledAt: ms('disabled_at'),
});

/**
 * Wrong passwords per account and client address (an IPv6 client by its /64 network): after a
 * few, that pair waits longer and longer, while the account stays open from anywhere else. The
 * account is the address as typed, so unknown addresses are throttled just like real ones.
 */
export const loginThrottles = sqliteTable(
  'login_throttles',
  {
    account: text('account').notNull(),
    ip: text('ip').notNull(),
    failures: integer('failures').notNull(),
    blockedUntil: ms('blocked_until'),
    lastFailureAt: ms('last_failure_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.account, t.ip] }),
    index('login_throttles_last_failure').on(t.lastFailureAt),
  ],
);

/** Admin sessions: the cookie holds a random id, the table only its SHA-256. */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Password accepted, second factor still to come. */
    pendingTotp: integer('pending_totp', { mode: 'boolean' }).notNull().default(false),
    createdAt: ms('created_at').notNull().default(now),
    lastSeenAt: ms('last_seen_at').notNull().default(now),
    expiresAt: ms('expires_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

/** Who did what, when, on which record: every admin and API change. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: ms('at').notNull().default(now),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    apiTokenId: integer('api_token_id').references(() => apiTokens.id, { onDelete: 'set null' }),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    ip: text('ip'),
  },
  (t) => [index('audit_log_entity').on(t.entity, t.entityId), index('audit_log_at').on(t.at)],
);

export interface SegmentRule {
  field:
    | 'region'
    | 'role'
    | 'topic'
    | 'language'
    | 'list'
    | 'status'
    | 'createdAfter'
    | 'createdBefore'
    | 'engagement';
  values: string[];
}

/** Saved filters that a send targets directly. */
export const segments = sqliteTable('segments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  match: text('match', { enum: ['all', 'any'] })
    .notNull()
    .default('all'),
  rules: text('rules', { mode: 'json' }).$type<SegmentRule[]>().notNull(),
  createdAt: ms('created_at').notNull().default(now),
  updatedAt: ms('updated_at').notNull().default(now),
  createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
});

export const importStatuses = ['uploaded', 'ready', 'running', 'done', 'failed'] as const;

/** The fields a CSV column can be mapped to ('ignore': the column is not read). */
export const importFields = ['email', 'name', 'region', 'roles', 'topics', 'language'] as const;
export type ImportField = (typeof importFields)[number] | 'ignore';
export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type CsvDelimiter = ',' | ';' | '\t';

export type ImportCounts = {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
};

/** What an import keeps about its file and how to write it (the `options` column). */
export interface ImportOptions {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  headers: string[];
  preview: string[][];
  mapping: ImportField[];
  mode?: 'confirmed' | 'confirmation';
  consentSource?: string | null;
  enteredBy?: string;
  /** Running totals of the background job (kept with each batch, so a retry resumes). */
  counts?: ImportCounts;
}

export type ProblemKind =
  | 'emailMissing'
  | 'emailInvalid'
  | 'duplicate'
  | 'nameInvalid'
  | 'regionUnknown'
  | 'roleUnknown'
  | 'topicUnknown'
  | 'languageUnknown';

export interface ImportProblem {
  line: number;
  kind: ProblemKind;
  /** The offending value, shortened; for duplicates the line of the first occurrence. */
  value: string;
}

/** The validation report of an import (the `report` column). */
export interface ImportReport {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  totalRows: number;
  /** Rows that will be written (new or known addresses). */
  validRows: number;
  newRows: number;
  existingRows: number;
  /** Rows skipped because of at least one problem. */
  problemRows: number;
  counts: Partial<Record<ProblemKind, number>>;
  /** The first problems, in file order. */
  problems: ImportProblem[];
}

/** CSV imports: the file is validated first (report), then written by a background job. */
export const imports = sqliteTable('imports', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  status: text('status', { enum: importStatuses }).notNull().default('uploaded'),
  fileName: text('file_name').notNull(),
  filePath: text('file_path').notNull(),
  options: text('options', { mode: 'json' }).$type<ImportOptions>().notNull(),
  report: text('report', { mode: 'json' }).$type<ImportReport>(),
  totalRows: integer('total_rows').notNull().default(0),
  processedRows: integer('processed_rows').notNull().default(0),
  createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: ms('created_at').notNull().default(now),
  finishedAt: ms('finished_at'),
  error: text('error'),
});

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
  // `event`: the id of an event (as a string) whose registration page the item's button opens.
  training: ['startsAt', 'endsAt', 'place', 'url', 'fee', 'accessibility', 'event'],
  meeting: ['startsAt', 'endsAt', 'place', 'url', 'fee', 'accessibility', 'event'],
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

/**
 * The item library: what editions are composed of, saved once and picked into several
 * editions. Soft-deleted (`deleted_at`) so an edition that used an item can still name it.
 */
export const items = sqliteTable(
  'items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type').$type<ItemType>().notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    regions: text('regions', { mode: 'json' }).$type<string[]>().notNull(),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
    fields: text('fields', { mode: 'json' }).$type<ItemFields>().notNull(),
    translations: text('translations', { mode: 'json' })
      .$type<Record<string, ItemTranslation>>()
      .notNull(),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    deletedAt: ms('deleted_at'),
  },
  (t) => [index('items_type').on(t.type, t.id)],
);

export const editionStatuses = ['planned', 'draft', 'scheduled', 'sent'] as const;
export type EditionStatus = (typeof editionStatuses)[number];

/** One section of an edition: the items of one type under a heading, in display order. */
export interface EditionSection {
  type: ItemType;
  heading: string;
  /** Whether the section's items show in the "elsewhere" part for readers outside its regions. */
  elsewhere: 'show' | 'hide';
}

/** A translation of an edition's texts; what is missing falls back to German. */
export interface EditionTranslation {
  subject?: string;
  preheader?: string;
  intro?: string;
  headings?: Partial<Record<ItemType, string>>;
}

export interface Edition {
  id: number;
  /** The number in the series (1, 2, …), unique. */
  number: number;
  title: string;
  subject: string;
  preheader: string;
  /** Short Markdown (the same rule as an item's description). */
  intro: string;
  status: EditionStatus;
  /** `YYYY-MM-DD`, or null when the series plan spreads it. */
  targetDate: string | null;
  inArchive: boolean;
  publishedAt: number | null;
  slug: string;
  sections: EditionSection[];
  /** Per language code (en, ar, uk …). */
  translations: Record<string, EditionTranslation>;
  createdAt: number;
  updatedAt: number;
  updatedBy: number | null;
}

/** One number of the newsletter: its texts, its sections and (in `edition_items`) its items. */
export const editions = sqliteTable('editions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  number: integer('number').notNull().unique(),
  title: text('title').notNull(),
  subject: text('subject').notNull(),
  preheader: text('preheader').notNull().default(''),
  intro: text('intro').notNull().default(''),
  status: text('status').$type<EditionStatus>().notNull().default('draft'),
  targetDate: text('target_date'),
  inArchive: integer('in_archive', { mode: 'boolean' }).notNull().default(true),
  /** When an editor put it in the public archive without sending it; null otherwise. */
  publishedAt: ms('published_at'),
  slug: text('slug').notNull(),
  sections: text('sections', { mode: 'json' }).$type<EditionSection[]>().notNull(),
  translations: text('translations', { mode: 'json' })
    .$type<Record<string, EditionTranslation>>()
    .notNull(),
  createdAt: ms('created_at').notNull().default(now),
  updatedAt: ms('updated_at').notNull().default(now),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

/** The items of an edition, in order. */
export const editionItems = sqliteTable(
  'edition_items',
  {
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    itemId: integer('item_id')
      .notNull()
      .references(() => items.id),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.editionId, t.itemId] }),
    index('edition_items_item').on(t.itemId),
  ],
);

/**
 * Every saved state of an edition, numbered 1, 2, … per edition: what restore goes back to. An
 * autosave replaces the editor's previous autosave of the last few minutes instead of piling up.
 */
export const editionRevisions = sqliteTable(
  'edition_revisions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    /** The edition's texts, sections, translations and item ids as saved. */
    snapshot: text('snapshot', { mode: 'json' }).$type<EditionSnapshot>().notNull(),
    autosave: integer('autosave', { mode: 'boolean' }).notNull().default(false),
    savedBy: integer('saved_by').references(() => users.id, { onDelete: 'set null' }),
    /** Who saved it as shown (user name or e-mail, API token name), kept when the user goes. */
    savedByName: text('saved_by_name'),
    savedAt: ms('saved_at').notNull(),
  },
  (t) => [uniqueIndex('edition_revisions_number').on(t.editionId, t.number)],
);

/** An edition's texts and item ids as a revision keeps them. */
export interface EditionSnapshot {
  number: number;
  title: string;
  subject: string;
  preheader: string;
  intro: string;
  targetDate: string | null;
  inArchive: boolean;
  sections: EditionSection[];
  translations: Record<string, EditionTranslation>;
  items: number[];
}

/**
 * The soft lock of an edition being edited: who has it open, renewed while the page is open. It
 * warns a second editor; it does not stop them.
 */
export const editionLocks = sqliteTable('edition_locks', {
  editionId: integer('edition_id')
    .primaryKey()
    .references(() => editions.id, { onDelete: 'cascade' }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  since: ms('since').notNull(),
  renewedAt: ms('renewed_at').notNull(),
});

/**
 * A test mail of an edition to one address (not necessarily a subscriber), in one variant. The
 * mail outbox owes it, so it is sent once Redis takes it, even after a restart.
 */
export const testSends = sqliteTable(
  'test_sends',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    language: text('language').notNull(),
    region: text('region'),
    role: text('role'),
    requestedBy: integer('requested_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull(),
    sentAt: ms('sent_at'),
    messageId: text('message_id'),
  },
  (t) => [index('test_sends_edition').on(t.editionId, t.createdAt)],
);

export const campaignStatuses = [
  'draft',
  'scheduled',
  'sending',
  'paused',
  'sent',
  'cancelled',
] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/**
 * A send of one edition to an audience (segments and/or lists). The audience is fixed when it
 * starts: one delivery row per person.
 */
export const campaigns = sqliteTable(
  'campaigns',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id),
    status: text('status', { enum: campaignStatuses }).notNull().default('draft'),
    segmentIds: text('segment_ids', { mode: 'json' }).$type<number[]>().notNull(),
    listIds: text('list_ids', { mode: 'json' }).$type<number[]>().notNull(),
    /** Only people who confirmed since then ("send to newcomers since"); null: everybody. */
    confirmedSince: ms('confirmed_since'),
    scheduledAt: ms('scheduled_at'),
    startedAt: ms('started_at'),
    finishedAt: ms('finished_at'),
    /** How many deliveries the audience was fixed at. */
    audienceCount: integer('audience_count').notNull().default(0),
    /** Why it paused itself (failures piling up), or null. */
    pauseReason: text('pause_reason'),
    /** The last delivery id handed to the send queue: the fan-out resumes after it. */
    fanoutCursor: integer('fanout_cursor').notNull().default(0),
    /** Raised when failed deliveries are queued again: their send batches get new job ids. */
    fanoutRound: integer('fanout_round').notNull().default(0),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [index('campaigns_edition').on(t.editionId), index('campaigns_status').on(t.status)],
);

export const deliveryStatuses = ['queued', 'sent', 'failed', 'bounced', 'skipped'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * The delivery ledger: one edition to one person, unique per edition and subscriber — the guard
 * against sending anybody the same edition twice, whichever campaign tries.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    editionId: integer('edition_id')
      .notNull()
      .references(() => editions.id),
    /** Null once the person was erased: the row stays, so the campaign's counts stay true. */
    subscriberId: integer('subscriber_id').references(() => subscribers.id, {
      onDelete: 'set null',
    }),
    status: text('status', { enum: deliveryStatuses }).notNull().default('queued'),
    /** Sent again after a crash left it open between DATA and the relay's answer. */
    uncertain: integer('uncertain', { mode: 'boolean' }).notNull().default(false),
    attempts: integer('attempts').notNull().default(0),
    /** The variant it gets: language, region and role. */
    language: text('language').notNull(),
    regionKey: text('region_key'),
    roleKey: text('role_key'),
    messageId: text('message_id'),
    smtpResponse: text('smtp_response'),
    relay: text('relay'),
    /** Why it failed or was skipped. */
    reason: text('reason'),
    sentAt: ms('sent_at'),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('deliveries_edition_subscriber').on(t.editionId, t.subscriberId),
    index('deliveries_campaign_status').on(t.campaignId, t.status, t.id),
    index('deliveries_subscriber').on(t.subscriberId),
  ],
);

export const bounceKinds = [
  'hard',
  'soft',
  'complaint',
  'auto-reply',
  'delivered',
  'unknown',
] as const;

/**
 * The bounce log: every returned mail, complaint and relay report, with what Landpost did about
 * it. It holds no address: the person is named by id (null once erased), and addresses in the
 * receiving server's words are masked before they are stored.
 */
export const bounces = sqliteTable(
  'bounces',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: ms('at').notNull().default(now),
    /** How it arrived: smtp (a mail to a VERP address) or webhook (a relay's report). */
    source: text('source', { enum: ['smtp', 'webhook'] }).notNull(),
    kind: text('kind', { enum: bounceKinds }).notNull(),
    reason: text('reason'),
    status: text('status'),
    diagnostic: text('diagnostic'),
    feedbackType: text('feedback_type'),
    /** What followed: blocked, unsubscribed, or nothing (logged only). */
    action: text('action', { enum: ['blocked', 'unsubscribed', 'none'] }).notNull(),
    deliveryId: integer('delivery_id').references(() => deliveries.id, { onDelete: 'set null' }),
    subscriberId: integer('subscriber_id').references(() => subscribers.id, {
      onDelete: 'set null',
    }),
  },
  (t) => [
    index('bounces_subscriber').on(t.subscriberId, t.id),
    index('bounces_delivery').on(t.deliveryId),
  ],
);

export const consultationKinds = ['person', 'group', 'association'] as const;
export type ConsultationKind = (typeof consultationKinds)[number];

/**
 * The counselling log: one row per consultation, counted for the funder's indicator
 * ("Individuell beratene Einzelpersonen, Gruppen oder Vereine"). It names nobody.
 */
export const consultations = sqliteTable(
  'consultations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The Europe/Berlin day it took place, `YYYY-MM-DD`. */
    heldOn: text('held_on').notNull(),
    kind: text('kind', { enum: consultationKinds }).notNull(),
    regionKey: text('region_key').references(() => regions.key, { onUpdate: 'cascade' }),
    topic: text('topic').notNull(),
    followUp: text('follow_up').notNull().default(''),
    /** How many people took part. */
    people: integer('people').notNull().default(1),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [
    index('consultations_held_on').on(t.heldOn, t.id),
    check('consultations_people', sql`${t.people} >= 1`),
  ],
);

export const eventTypes = ['training', 'meeting', 'other'] as const;
export type EventType = (typeof eventTypes)[number];

/** Trainings and meetings the project holds; people will register for them under their slug. */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    type: text('type', { enum: eventTypes }).notNull(),
    title: text('title').notNull(),
    /** Instants in ms; forms and the API speak Europe/Berlin time. */
    startsAt: ms('starts_at').notNull(),
    endsAt: ms('ends_at'),
    place: text('place'),
    online: integer('online', { mode: 'boolean' }).notNull().default(false),
    regionKey: text('region_key').references(() => regions.key, { onUpdate: 'cascade' }),
    capacity: integer('capacity'),
    registrationDeadline: ms('registration_deadline'),
    /** Markdown (the subset items allow). */
    description: text('description').notNull().default(''),
    contact: text('contact'),
    /** The public registration page is `/events/<slug>`. */
    slug: text('slug').notNull(),
    /** When staff last saved who came; null: attendance not recorded yet. */
    attendanceRecordedAt: ms('attendance_recorded_at'),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('events_slug').on(t.slug),
    index('events_starts_at').on(t.startsAt, t.id),
    check('events_capacity', sql`${t.capacity} is null or ${t.capacity} >= 1`),
    check('events_ends_at', sql`${t.endsAt} is null or ${t.endsAt} >= ${t.startsAt}`),
    check(
      'events_registration_deadline',
      sql`${t.registrationDeadline} is null or ${t.registrationDeadline} <= ${t.startsAt}`,
    ),
  ],
);

export const registrationStatuses = ['registered', 'waiting', 'cancelled'] as const;
export type RegistrationStatus = (typeof registrationStatuses)[number];

/** How a walk-in (somebody who came without registering) agreed to be recorded. */
export const walkInConsentSources = ['signature-list', 'form', 'verbal'] as const;

/**
 * A person's registration for an event, or a walk-in staff added at the door. A registration
 * beyond the capacity waits (`waiting`, in id order) and moves up when somebody cancels.
 */
export const eventRegistrations = sqliteTable(
  'event_registrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    status: text('status', { enum: registrationStatuses }).notNull().default('registered'),
    name: text('name').notNull(),
    /** Lower-cased; null only for a walk-in who gave none. */
    email: text('email'),
    organisation: text('organisation').notNull().default(''),
    roleKey: text('role_key').references(() => roles.key, { onUpdate: 'cascade' }),
    regionKey: text('region_key').references(() => regions.key, { onUpdate: 'cascade' }),
    /** The language of the page it was made on: its mails speak it. */
    language: text('language').notNull().default('de'),
    /** Accessibility needs in the person's words. */
    accessibilityNeeds: text('accessibility_needs').notNull().default(''),
    /** The language an interpreter is needed for; empty: none. */
    interpreter: text('interpreter').notNull().default(''),
    /** The subscriber it belongs to, when the person signed up or is known with consent. */
    subscriberId: integer('subscriber_id').references(() => subscribers.id, {
      onDelete: 'set null',
    }),
    sourceKind: text('source_kind', { enum: sourceKinds }).notNull().default('direct'),
    sourceEditionId: integer('source_edition_id').references(() => editions.id, {
      onDelete: 'set null',
    }),
    sourceCampaignId: integer('source_campaign_id').references(() => campaigns.id, {
      onDelete: 'set null',
    }),
    referredBy: integer('referred_by').references(() => subscribers.id, { onDelete: 'set null' }),
    sourceCode: text('source_code'),
    walkIn: integer('walk_in', { mode: 'boolean' }).notNull().default(false),
    /** For walk-ins: how they agreed to be recorded (see `walkInConsentSources`). */
    consentSource: text('consent_source', { enum: walkInConsentSources }),
    /** Null: not recorded; true: came; false: registered but did not come. */
    present: integer('present', { mode: 'boolean' }),
    attendanceAt: ms('attendance_at'),
    attendanceBy: integer('attendance_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ms('created_at').notNull().default(now),
    updatedAt: ms('updated_at').notNull().default(now),
    cancelledAt: ms('cancelled_at'),
    /** When it moved up from the waiting list. */
    promotedAt: ms('promoted_at'),
    reminderSentAt: ms('reminder_sent_at'),
  },
  (t) => [
    uniqueIndex('event_registrations_email').on(t.eventId, t.email),
    index('event_registrations_event').on(t.eventId, t.status, t.id),
    index('event_registrations_subscriber').on(t.subscriberId),
    index('event_registrations_referred_by').on(t.referredBy),
  ],
);

/**
 * The links of a campaign's mails, one row per distinct URL: a tracked click names the row's id,
 * and the redirect goes only where a row of the token's campaign points.
 */
export const campaignLinks = sqliteTable(
  'campaign_links',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
  },
  (t) => [uniqueIndex('campaign_links_url').on(t.campaignId, t.url)],
);

export const trackingEventKinds = ['open', 'click'] as const;
/** How an open or a click was classified: only `human` counts as a person's. */
export const trackingClasses = ['human', 'machine', 'scanner'] as const;
export type TrackingClass = (typeof trackingClasses)[number];

/**
 * Opens and clicks as the tracking rules classified them. Per person (`delivery_id`) only with
 * the subscriber's tracking consent; otherwise just the campaign and the variant. No address,
 * no IP.
 */
export const trackingEvents = sqliteTable(
  'tracking_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: trackingEventKinds }).notNull(),
    class: text('class', { enum: trackingClasses }).notNull(),
    /** The rule that decided, e.g. `apple-mpp`, `scanner-agent`, `too-soon`. */
    reason: text('reason'),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    deliveryId: integer('delivery_id').references(() => deliveries.id, { onDelete: 'set null' }),
    linkId: integer('link_id').references(() => campaignLinks.id, { onDelete: 'cascade' }),
    language: text('language').notNull(),
    regionKey: text('region_key'),
    roleKey: text('role_key'),
    /** `mobile`, `desktop` or null when unknown (proxies). */
    device: text('device'),
    at: ms('at').notNull(),
  },
  (t) => [
    index('tracking_events_campaign').on(t.campaignId, t.kind, t.class),
    index('tracking_events_delivery').on(t.deliveryId, t.kind),
  ],
);

/** The funder's targets as the organisation edited them; a key not here keeps its default. */
export const indicatorTargets = sqliteTable('indicator_targets', {
  key: text('key').primaryKey(),
  label: text('label').notNull(),
  target: integer('target').notNull(),
  updatedAt: ms('updated_at').notNull().default(now),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});
