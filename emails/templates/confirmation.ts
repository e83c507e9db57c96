import { copyableLink, isolate, text, type ContentBuilder } from '../content.js';

/**
 * Double opt-in confirmation. No advertising (COMPLIANCE.md): what was asked, the button,
 * how to ignore it; the imprint comes from the layout. No greeting by name: the name was typed
 * into a public form by someone who may not own this address.
 */
export const confirmation: ContentBuilder = (ctx, data) => ({
  preheader: ctx.t('mail.confirmation.preheader'),
  blocks: [
    text(ctx.t('mail.greetingAnonymous')),
    text(
      ctx.t('mail.confirmation.intro', {
        org: isolate(ctx, ctx.org.name),
        email: isolate(ctx, data.email),
      }),
    ),
    text(ctx.t('mail.confirmation.action')),
    { type: 'button', label: ctx.t('mail.confirmation.button'), url: data.actionUrl },
    copyableLink(ctx, data.actionUrl),
    text(ctx.t('mail.confirmation.ignore', { days: data.retentionDays ?? 7 })),
  ],
});
