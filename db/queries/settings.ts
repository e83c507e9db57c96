import type { Tx } from '../client.js';
import { organisationSettings } from '../schema.js';

export type StoredOrganisationSettings = typeof organisationSettings.$inferSelect;
/**
 * The columns the organisation form saves; null means "never saved, the default applies". The
 * tracking switch and the programme period are saved on their own (`saveReachSettings`).
 */
export type OrganisationSettingsRow = Omit<
  StoredOrganisationSettings,
  'id' | 'updatedAt' | 'trackingEnabled' | 'programmeFrom' | 'programmeTo'
>;

/** The settings of the evidence of reach: tracking on or off and the programme period. */
export type ReachSettingsRow = Pick<
  StoredOrganisationSettings,
  'trackingEnabled' | 'programmeFrom' | 'programmeTo'
>;

const ROW_ID = 1;

/** The saved organisation settings, if they were ever saved. */
export function findOrganisationSettings(tx: Tx): StoredOrganisationSettings | undefined {
  return tx.select().from(organisationSettings).get();
}

/** Write the one row of organisation settings (created on the first save). */
export function saveOrganisationSettings(row: OrganisationSettingsRow, tx: Tx): void {
  const values = { ...row, updatedAt: Date.now() };
  tx.insert(organisationSettings)
    .values({ id: ROW_ID, ...values })
    .onConflictDoUpdate({ target: organisationSettings.id, set: values })
    .run();
}

/** Write the tracking switch and the programme period, leaving the other settings as they are. */
export function saveReachSettings(row: Partial<ReachSettingsRow>, tx: Tx): void {
  const values = { ...row, updatedAt: Date.now() };
  tx.insert(organisationSettings)
    .values({ id: ROW_ID, ...values })
    .onConflictDoUpdate({ target: organisationSettings.id, set: values })
    .run();
}
