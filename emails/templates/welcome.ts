import { greeting, paragraphs, text, type Block, type ContentBuilder } from '../content.js';

/**
 * Sent after the confirmation. The editors may replace the default body with their own
 * plain text (`data.custom`); the links to the preferences and to unsubscribe always stay.
 */
export const welcome: ContentBuilder = (ctx, data) => {
  const body = data.custom?.body.trim()
    ? paragraphs(data.custom.body)
    : [text(ctx.t('mail.welcome.intro')), text(ctx.t('mail.welcome.what'))];
  const blocks: Block[] = [
    greeting(ctx, data.name),
    ...body,
    text(ctx.t('mail.welcome.preferences')),
    { type: 'button', label: ctx.t('mail.welcome.button'), url: data.actionUrl },
  ];
  if (data.preferencesUrl && data.preferencesUrl !== data.actionUrl) {
    blocks.push({
      type: 'link',
      label: data.preferencesUrl,
      url: data.preferencesUrl,
    });
  }
  if (data.unsubscribeUrl) {
    blocks.push({
      type: 'link',
      intro: ctx.t('mail.welcome.unsubscribe'),
      label: ctx.t('mail.welcome.unsubscribeLink'),
      url: data.unsubscribeUrl,
    });
  }
  return { preheader: ctx.t('mail.welcome.preheader'), blocks };
};
