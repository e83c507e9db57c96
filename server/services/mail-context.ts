import type { MailContext } from '../../emails/render.js';
import type { Config } from '../config.js';
import { language, translator } from '../i18n/index.js';

/** Language, direction, translator and organisation of a transactional mail or its preview. */
export function mailContext(config: Config, languageCode: string): MailContext {
  const lang = language(languageCode);
  return {
    lang: lang.code,
    dir: lang.dir,
    t: translator(lang.code),
    org: {
      name: config.orgName,
      imprint: config.orgImprint,
      publicUrl: config.publicUrl,
      privacyUrl: config.privacyUrl,
    },
  };
}
