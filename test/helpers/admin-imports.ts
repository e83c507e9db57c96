import type { UserRole } from '../../db/schema.js';
import type { TestApp } from './app.js';
import { loginAs, type AdminClient } from './admin.js';

/** A logged-in user for the import pages, uploading to /admin/imports. */
export interface ImportClient extends Omit<AdminClient, 'upload'> {
  upload(
    fileName: string,
    bytes: Uint8Array,
    csrf?: string | null,
  ): ReturnType<AdminClient['upload']>;
}

export async function importClient(t: TestApp, role: UserRole): Promise<ImportClient> {
  const client = await loginAs(t, role);
  const upload = client.upload.bind(client);
  return Object.assign(client, {
    upload: (fileName: string, bytes: Uint8Array, csrf: string | null = client.csrf) =>
      upload('/admin/imports', fileName, bytes, csrf),
  });
}
