/**
 * The fixed words of a newsletter (field labels, footer lines) per language; a language
 * without an entry, or a missing word, falls back to German. `{org}` and `{name}` are
 * filled in by the renderer.
 */
export interface Labels {
  greeting: string;
  greetingAnonymous: string;
  otherRegions: string;
  otherRoles: string;
  programme: string;
  funder: string;
  funded: string;
  amount: string;
  deadline: string;
  organisation: string;
  person: string;
  topics: string;
  languages: string;
  address: string;
  phone: string;
  email: string;
  hours: string;
  when: string;
  place: string;
  online: string;
  fee: string;
  accessibility: string;
  register: string;
  moreInfo: string;
  why: string;
  preferences: string;
  unsubscribe: string;
  imprint: string;
  privacy: string;
  website: string;
  links: string;
  recommendWhy: string;
  recommend: string;
}

const de: Labels = {
  greeting: 'Guten Tag {name},',
  greetingAnonymous: 'Guten Tag,',
  otherRegions: 'In anderen Regionen',
  otherRoles: 'Für andere Gruppen',
  programme: 'Programm',
  funder: 'Fördergeber',
  funded: 'Was wird gefördert',
  amount: 'Höhe',
  deadline: 'Frist',
  organisation: 'Stelle',
  person: 'Ansprechperson',
  topics: 'Themen',
  languages: 'Sprachen',
  address: 'Adresse',
  phone: 'Telefon',
  email: 'E-Mail',
  hours: 'Sprechzeiten',
  when: 'Wann',
  place: 'Ort',
  online: 'online',
  fee: 'Kosten',
  accessibility: 'Barrierefreiheit',
  register: 'Anmelden',
  moreInfo: 'Mehr erfahren',
  why: 'Sie bekommen diesen Newsletter, weil Sie ihn bei {org} bestellt haben.',
  preferences: 'Einstellungen ändern',
  unsubscribe: 'Newsletter abbestellen',
  imprint: 'Impressum',
  privacy: 'Datenschutz',
  website: 'Website',
  links: 'Links',
  recommendWhy: 'Kennen Sie jemanden, für den dieser Newsletter nützlich wäre?',
  recommend: 'Einer Kollegin oder einem Kollegen empfehlen',
};

const en: Labels = {
  greeting: 'Hello {name},',
  greetingAnonymous: 'Hello,',
  otherRegions: 'In other regions',
  otherRoles: 'For other groups',
  programme: 'Programme',
  funder: 'Funder',
  funded: 'What is funded',
  amount: 'Amount',
  deadline: 'Deadline',
  organisation: 'Organisation',
  person: 'Contact person',
  topics: 'Topics',
  languages: 'Languages',
  address: 'Address',
  phone: 'Phone',
  email: 'E-mail',
  hours: 'Opening hours',
  when: 'When',
  place: 'Place',
  online: 'online',
  fee: 'Fee',
  accessibility: 'Accessibility',
  register: 'Register',
  moreInfo: 'Learn more',
  why: 'You receive this newsletter because you subscribed to it at {org}.',
  preferences: 'Change your preferences',
  unsubscribe: 'Unsubscribe',
  imprint: 'Imprint',
  privacy: 'Privacy',
  website: 'Website',
  links: 'Links',
  recommendWhy: 'Do you know someone who would find this newsletter useful?',
  recommend: 'Recommend it to a colleague',
};

const ar: Labels = {
  greeting: 'مرحبًا {name}،',
  greetingAnonymous: 'مرحبًا،',
  otherRegions: 'في مناطق أخرى',
  otherRoles: 'لمجموعات أخرى',
  programme: 'البرنامج',
  funder: 'الجهة المموّلة',
  funded: 'ما الذي يتم تمويله',
  amount: 'المبلغ',
  deadline: 'الموعد النهائي',
  organisation: 'الجهة',
  person: 'الشخص المسؤول',
  topics: 'المواضيع',
  languages: 'اللغات',
  address: 'العنوان',
  phone: 'الهاتف',
  email: 'البريد الإلكتروني',
  hours: 'أوقات الاستشارة',
  when: 'الموعد',
  place: 'المكان',
  online: 'عبر الإنترنت',
  fee: 'التكلفة',
  accessibility: 'إمكانية الوصول',
  register: 'التسجيل',
  moreInfo: 'لمعرفة المزيد',
  why: 'تتلقى هذه النشرة لأنك اشتركت فيها لدى {org}.',
  preferences: 'تغيير الإعدادات',
  unsubscribe: 'إلغاء الاشتراك',
  imprint: 'بيانات الناشر',
  privacy: 'حماية البيانات',
  website: 'الموقع',
  links: 'الروابط',
  recommendWhy: 'هل تعرف شخصًا قد تفيده هذه النشرة؟',
  recommend: 'أوصِ بها زميلًا أو زميلة',
};

const uk: Labels = {
  greeting: 'Добрий день, {name}!',
  greetingAnonymous: 'Добрий день!',
  otherRegions: 'В інших регіонах',
  otherRoles: 'Для інших груп',
  programme: 'Програма',
  funder: 'Грантодавець',
  funded: 'Що фінансується',
  amount: 'Сума',
  deadline: 'Кінцевий термін',
  organisation: 'Організація',
  person: 'Контактна особа',
  topics: 'Теми',
  languages: 'Мови',
  address: 'Адреса',
  phone: 'Телефон',
  email: 'Ел. пошта',
  hours: 'Години консультацій',
  when: 'Коли',
  place: 'Місце',
  online: 'онлайн',
  fee: 'Вартість',
  accessibility: 'Доступність',
  register: 'Зареєструватися',
  moreInfo: 'Детальніше',
  why: 'Ви отримуєте цю розсилку, бо підписалися на неї в {org}.',
  preferences: 'Змінити налаштування',
  unsubscribe: 'Відписатися',
  imprint: 'Вихідні дані',
  privacy: 'Захист даних',
  website: 'Вебсайт',
  links: 'Посилання',
  recommendWhy: 'Знаєте когось, кому ця розсилка стане в пригоді?',
  recommend: 'Порекомендувати колезі',
};

const byLanguage: Record<string, Partial<Labels>> = { de, en, ar, uk };

export function labelsFor(lang: string): Labels {
  return { ...de, ...byLanguage[lang] };
}

const rtlLanguages = new Set(['ar', 'fa', 'prs', 'ps', 'ckb', 'he', 'ur', 'yi', 'dv']);

export function directionOf(lang: string): 'ltr' | 'rtl' {
  return rtlLanguages.has(lang.split('-')[0] ?? lang) ? 'rtl' : 'ltr';
}
