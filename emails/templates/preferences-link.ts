import { copyableLink, isolate, greeting, text, type ContentBuilder } from '../content.js';

/** Answer to "send me a link to my preferences": the button, that it expires, how to ignore. */
export const preferencesLink: ContentBuilder = (ctx, data) => ({
  preheader: ctx.t('mail.preferencesLink.preheader'),
  blocks: [
    greeting(ctx, data.name),
    text(
      ctx.t('mail.preferencesLink.intro', {
        org: isolate(ctx, ctx.org.name),
        email: isolate(ctx, data.email),
      }),
    ),
    text(ctx.t('mail.preferencesLink.action')),
    { type: 'button', label: ctx.t('mail.preferencesLink.button'), url: data.actionUrl },
    copyableLink(ctx, data.actionUrl),
    text(ctx.t('mail.preferencesLink.expiry')),
    text(ctx.t('mail.preferencesLink.ignore')),
  ],
});
