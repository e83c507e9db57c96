import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, type FormBody } from '../../http/form.js';
import { acceptMultipart, MalformedMultipartError, readMultipart } from '../../http/multipart.js';
import { fieldErrors } from '../../plugins/admin.js';
import {
  organisationFields,
  organisationLimits,
  type OrganisationValues,
} from '../../services/organisation/index.js';

const PATH = '/settings/organisation';

/** The organisation's settings (name, logo, colours, imprint, sender …), for admins. */
export default async function organisationRoutes(app: FastifyInstance) {
  await acceptMultipart(app, {
    limits: { fileSize: organisationLimits.logo, files: 1, fields: 2, parts: 3, fieldSize: 1024 },
  });
  const organisation = app.services.organisation;
  const admin = { config: { role: 'admin' as const } };

  const page = (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Partial<OrganisationValues>; errors?: Record<string, string> } = {},
    status = 200,
  ) => {
    const current = organisation.get();
    return reply.adminPage(
      'organisation',
      {
        title: request.at('organisation.title'),
        logo: current.logo,
        tracking: app.services.tracking.enabled(),
        values: { ...current, ...extra.values },
        errors: fieldErrors(request.at, extra.errors ?? {}),
      },
      status,
    );
  };

  app.get(PATH, admin, async (request, reply) => page(request, reply));

  app.post(PATH, admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const input = Object.fromEntries(organisationFields.map((name) => [name, field(body, name)]));
    const result = organisation.update(input, request.actor!);
    if (result.kind === 'invalid')
      return page(request, reply, { values: result.values, errors: result.errors }, 400);
    return reply.redirect(`/admin${PATH}?notice=organisation.saved`, 303);
  });

  // Multipart: the CSRF token rides in the query string (see the form).
  app.post(`${PATH}/logo`, admin, async (request, reply) => {
    const fail = (errors: Record<string, string>, status = 400, logoAlt?: string) =>
      page(request, reply, { values: logoAlt === undefined ? {} : { logoAlt }, errors }, status);
    if (!request.isMultipart()) return fail({ logo: 'organisation.errors.logoMissing' });
    let upload: { bytes?: Buffer; alt: string };
    try {
      upload = await readMultipart(async () => {
        const read: { bytes?: Buffer; alt: string } = { alt: '' };
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const bytes = await part.toBuffer();
            if (part.fieldname === 'logo' && part.filename) read.bytes = bytes;
          } else if (part.fieldname === 'logoAlt' && typeof part.value === 'string') {
            read.alt = part.value;
          }
        }
        return read;
      });
    } catch (err) {
      if (err instanceof app.multipartErrors.RequestFileTooLargeError)
        return fail({ logo: 'organisation.errors.logoTooLarge' }, 413);
      if (err instanceof MalformedMultipartError)
        return fail({ logo: 'organisation.errors.logoUnreadable' });
      throw err;
    }
    const result = upload.bytes
      ? organisation.setLogo(upload.bytes, upload.alt, request.actor!)
      : organisation.get().logo
        ? organisation.update({ logoAlt: upload.alt }, request.actor!)
        : ({
            kind: 'invalid',
            errors: { logo: 'organisation.errors.logoMissing' },
            values: { logoAlt: upload.alt },
          } as const);
    if (result.kind === 'invalid') return fail(result.errors, 400, result.values.logoAlt);
    return reply.redirect(`/admin${PATH}?notice=organisation.logoSaved`, 303);
  });

  app.post(`${PATH}/tracking`, admin, async (request, reply) => {
    const on = field((request.body ?? {}) as FormBody, 'tracking') === 'on';
    app.services.tracking.setEnabled(on, request.actor!);
    return reply.redirect(
      `/admin${PATH}?notice=organisation.${on ? 'trackingOn' : 'trackingOff'}`,
      303,
    );
  });

  app.post(`${PATH}/logo/remove`, admin, async (request, reply) => {
    organisation.removeLogo(request.actor!);
    return reply.redirect(`/admin${PATH}?notice=organisation.logoRemoved`, 303);
  });
}
