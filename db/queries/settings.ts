import type { Tx } from '../client.js';
import { organisationSettings } from '../schema.js';

export type StoredOrganisationSettings = typeof organisationSettings.$inferSelect;
/** The saved columns; null means "never saved, the default applies". */
export type OrganisationSettingsRow = Omit<StoredOrganisationSettings, 'id' | 'updatedAt'>;

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
