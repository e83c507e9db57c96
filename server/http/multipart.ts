import multipart, { type FastifyMultipartBaseOptions } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FormBody } from './form.js';

/**
 * A multipart body the parser cannot read (no boundary, cut off after a part header, bytes
 * that are no parts at all): the sender's fault, so a 400 rather than a server error.
 */
export class MalformedMultipartError extends Error {
  readonly statusCode = 400;
  readonly code = 'LP_MALFORMED_MULTIPART';

  constructor(cause: unknown) {
    super('the multipart body cannot be read', { cause });
  }
}

/**
 * Read (part of) a multipart body. The parser's own limit errors keep their status (413 …);
 * anything else it throws comes from the bytes the client sent and becomes a 400.
 */
export async function readMultipart<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err;
    throw new MalformedMultipartError(err);
  }
}

/** The text fields of a multipart form, as a URL-encoded form would give them. */
export function multipartFields(request: FastifyRequest): Promise<FormBody> {
  return readMultipart(async () => {
    const body: Record<string, string | string[]> = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        await part.toBuffer();
        continue;
      }
      if (typeof part.value !== 'string') continue;
      const before = body[part.fieldname];
      body[part.fieldname] = before === undefined ? part.value : [...[before].flat(), part.value];
    }
    return body;
  });
}

/**
 * Multipart form posts for the routes of one plugin. `fields`: the form's text fields become
 * `request.body` before the handler runs, like a URL-encoded form; otherwise the handler reads
 * the parts itself, through `readMultipart`.
 */
export async function acceptMultipart(
  app: FastifyInstance,
  options: { limits: FastifyMultipartBaseOptions['limits']; fields?: boolean },
): Promise<void> {
  await app.register(multipart, { limits: options.limits });
  if (!options.fields) return;
  app.addHook('preValidation', async (request) => {
    if (request.isMultipart()) request.body = await multipartFields(request);
  });
}
