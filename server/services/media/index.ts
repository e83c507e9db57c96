import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceContext } from '../context.js';

/** The image types Landpost stores and serves; SVG is not one (it can carry script). */
export const imageTypes = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
} as const;
export type ImageExtension = keyof typeof imageTypes;

/** The image type the bytes themselves announce (their magic number), whatever the file name says. */
export function imageType(bytes: Uint8Array): ImageExtension | undefined {
  const starts = (offset: number, magic: number[]) =>
    bytes.length >= offset + magic.length && magic.every((b, i) => bytes[offset + i] === b);
  if (starts(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(0, [0xff, 0xd8, 0xff])) return 'jpg';
  // RIFF <size> WEBP
  if (starts(0, [0x52, 0x49, 0x46, 0x46]) && starts(8, [0x57, 0x45, 0x42, 0x50])) return 'webp';
  return undefined;
}

/** A stored file's name: random, so nobody can guess another upload's address. */
const MEDIA_NAME = /^[0-9a-f]{32}\.(png|jpg|webp)$/;

/**
 * Uploaded images under DATA_DIR/uploads, each under a random name that never changes, so a
 * newsletter already sent keeps showing its image at /media/<name>.
 */
export class MediaService {
  private readonly dir: string;

  constructor(ctx: Pick<ServiceContext, 'config'>) {
    this.dir = join(ctx.config.dataDir, 'uploads');
  }

  /** Store checked image bytes; returns the new file's name. */
  saveImage(bytes: Uint8Array, extension: ImageExtension): string {
    mkdirSync(this.dir, { recursive: true });
    const name = `${randomBytes(16).toString('hex')}.${extension}`;
    writeFileSync(join(this.dir, name), bytes, { mode: 0o640, flag: 'wx' });
    return name;
  }

  /** A stored image and its Content-Type; undefined for any other name. */
  read(name: string): { bytes: Buffer; type: string } | undefined {
    const match = MEDIA_NAME.exec(name);
    if (!match) return undefined;
    try {
      const bytes = readFileSync(join(this.dir, name));
      return { bytes, type: imageTypes[match[1] as ImageExtension] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The public address of a stored file, relative to PUBLIC_URL. */
  static path(name: string): string {
    return `/media/${name}`;
  }
}
