import { copyableLink, greeting, text, type Block } from '../../../emails/content.js';
import { renderContent } from '../../../emails/render.js';
import type { ComposedMail, TransactionalSource } from '../../../workers/mail.js';
import type { MailJobData, MailJobName, RegistrationMailName } from '../../../workers/queues.js';
import type { Config } from '../../config.js';
import type { EventService } from '../events/index.js';
import { mailContext, transactionalSender } from '../mail-context.js';
import type { OrganisationService } from '../organisation/index.js';
import { calendarFile } from './ics.js';
import { eventWhen, type RegistrationService } from './index.js';

const isRegistrationMail = (name: MailJobName): name is RegistrationMailName =>
  name.startsWith('registration-');

/** The status a registration must still have for its mail to go out. */
const statusFor: Record<RegistrationMailName, 'registered' | 'waiting'> = {
  'registration-confirmed': 'registered',
  'registration-waiting': 'waiting',
  'registration-promoted': 'registered',
  'registration-reminder': 'registered',
};

/** Translation keys per mail: `registration.mail.<key>.subject`, `.intro`. */
const keyOf: Record<RegistrationMailName, string> = {
  'registration-confirmed': 'confirmed',
  'registration-waiting': 'waiting',
  'registration-promoted': 'promoted',
  'registration-reminder': 'reminder',
};

/**
 * Builds the mails of an event registration for the mail worker: the confirmation and the
 * moved-up mail carry the calendar entry (.ics); each mail carries the signed cancellation
 * link. A mail whose registration changed meanwhile (cancelled, moved up) is not sent.
 */
export function registrationMailSource(deps: {
  config: Config;
  registrations: RegistrationService;
  events: EventService;
  organisation: OrganisationService;
}): TransactionalSource {
  const { config, registrations, events, organisation } = deps;
  return {
    async compose(name: MailJobName, data: MailJobData): Promise<ComposedMail | null> {
      if (!isRegistrationMail(name) || !('registrationId' in data)) return null;
      const registration = registrations.find(data.registrationId);
      if (!registration?.email || registration.status !== statusFor[name]) return null;
      const event = events.find(registration.eventId);
      if (!event) return null;
      const org = organisation.get();
      const ctx = mailContext(org, config, registration.language);
      const { t } = ctx;
      const key = keyOf[name];
      const when = eventWhen(event, ctx.lang);
      const where = [event.place, event.online ? t('registration.online') : '']
        .filter(Boolean)
        .join(' · ');
      const eventUrl = `${config.publicUrl}/events/${encodeURIComponent(event.slug)}`;
      const cancelUrl = registrations.cancelLink(registration, event);
      const withCalendar = name === 'registration-confirmed' || name === 'registration-promoted';
      const blocks: Block[] = [
        greeting(ctx, registration.name),
        text(t(`registration.mail.${key}.intro`, { title: event.title })),
        text(
          event.title,
          `${t('registration.when')}: ${when}`,
          ...(where ? [`${t('registration.where')}: ${where}`] : []),
        ),
        ...(event.contact ? [text(`${t('registration.contact')}: ${event.contact}`)] : []),
        ...(withCalendar ? [text(t('registration.mail.calendar'))] : []),
        { type: 'link', label: eventUrl, url: eventUrl },
        text(t(`registration.mail.${name === 'registration-waiting' ? 'leave' : 'cancel'}`)),
        { type: 'button', label: t('registration.mail.cancelButton'), url: cancelUrl },
        copyableLink(ctx, cancelUrl),
      ];
      const rendered = await renderContent(
        ctx,
        t(`registration.mail.${key}.subject`, { title: event.title }),
        { preheader: t(`registration.mail.${key}.intro`, { title: event.title }), blocks },
      );
      const host = new URL(config.publicUrl).hostname;
      const attachments = withCalendar
        ? [
            {
              filename: 'event.ics',
              contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
              content: calendarFile({
                uid: `registration-${registration.id}@${host}`,
                stamp: Date.now(),
                start: event.startsAt,
                end: event.endsAt,
                summary: event.title,
                location: where,
                description: `${eventUrl}\n\n${t('registration.mail.cancel')}\n${cancelUrl}`,
                url: eventUrl,
              }),
            },
          ]
        : undefined;
      return {
        message: {
          ...transactionalSender(org, config),
          to: registration.email,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
          attachments,
        },
        onSent: () => {},
      };
    },
  };
}
