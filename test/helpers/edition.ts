import type { EditionContent, Org } from '../../emails/newsletter/index.js';
import type { Item, ItemType } from '../../server/services/items/types.js';

export const harz = '15085';
export const boerde = '15083';

export const org: Org = {
  name: 'Landnetz Sachsen-Anhalt e. V.',
  logoUrl: 'https://news.example.org/logo.png',
  colours: { primary: '#1d4e89' },
  imprint:
    'Landnetz Sachsen-Anhalt e. V.\nVertreten durch: Erika Beispiel (Vorsitz)\nE-Mail: info@landnetz.example · Telefon 0345 123456\nVereinsregister Stendal VR 1234',
  postalAddress: 'Markt 1\n06108 Halle (Saale)',
  attribution: 'Gefördert von der Bundeszentrale für politische Bildung (bpb)',
  privacyUrl: 'https://news.example.org/datenschutz',
  publicUrl: 'https://news.example.org',
  sender: { name: 'Landnetz', address: 'newsletter@landnetz.example' },
};

let nextId = 1;

export function item(
  type: ItemType,
  title: string,
  extra: Partial<Omit<Item, 'id' | 'type' | 'title'>> = {},
): Item {
  return {
    id: nextId++,
    type,
    title,
    description: '',
    regions: [],
    roles: [],
    fields: {},
    translations: {},
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

const description =
  'Vereine und Initiativen im ländlichen Raum können **bis zu 5.000 Euro** beantragen. ' +
  'Gefördert werden *Begegnungen*, Workshops und kleine Anschaffungen.\n\n' +
  '- Antrag formlos per E-Mail\n- Entscheidung innerhalb von vier Wochen\n\n' +
  'Alle Infos auf der [Seite des Programms](https://foerderung.example.org/programm?id=7&lang=de).';

/** A realistic edition: 12 items across all types, some tied to Harz, Börde or both. */
export function twelveItemEdition(): EditionContent {
  return {
    number: 42,
    title: 'Landnetz-Newsletter Nr. 42',
    subject: 'Neue Förderprogramme und Termine im Mai',
    preheader: 'Drei Förderprogramme, zwei Fortbildungen und neue Beratungsstellen',
    intro:
      'Liebe Engagierte,\n\nin dieser Ausgabe finden Sie **neue Förderprogramme**, Termine für ' +
      'Fortbildungen und [unsere Umfrage](https://news.example.org/umfrage).',
    translations: {
      ar: {
        subject: 'برامج تمويل ومواعيد جديدة في مايو',
        preheader: 'ثلاثة برامج تمويل ودورتان تدريبيتان',
        intro: 'أهلًا بكم،\n\nفي هذا العدد برامج تمويل جديدة.',
        headings: { funding: 'التمويل', counselling: 'الاستشارات' },
      },
    },
    sections: [
      {
        type: 'funding',
        heading: 'Förderung',
        elsewhere: 'show',
        items: [
          item('funding', 'Mikroprojekte im ländlichen Raum', {
            description,
            regions: ['overregional'],
            fields: {
              programme: 'Engagiert vor Ort',
              funder: 'Land Sachsen-Anhalt',
              funded: 'Begegnungen, Workshops, Anschaffungen',
              amount: 'bis 5.000 €',
              deadline: '2027-03-31',
              url: 'https://foerderung.example.org/mikro',
            },
            translations: { ar: { title: 'مشاريع صغيرة في الأرياف' } },
          }),
          item('funding', 'Harzer Ehrenamtsfonds', {
            description,
            regions: [harz],
            fields: { funder: 'Landkreis Harz', amount: 'bis 1.500 €', deadline: '2027-02-15' },
          }),
          item('funding', 'Börde-Bürgerbudget', {
            description,
            regions: [boerde],
            fields: { funder: 'Landkreis Börde', amount: 'bis 2.000 €', deadline: '2027-04-30' },
          }),
        ],
      },
      {
        type: 'counselling',
        heading: 'Beratung',
        elsewhere: 'show',
        items: [
          item('counselling', 'Migrationsberatung Halberstadt', {
            description: 'Beratung zu Aufenthalt, Arbeit und Familie.',
            regions: [harz],
            fields: {
              organisation: 'Caritas',
              person: 'Amira Haddad',
              topics: 'Aufenthalt, Arbeit, Familie',
              languages: 'Deutsch, Arabisch, Englisch',
              address: 'Domplatz 3, 38820 Halberstadt',
              phone: '+49 3941 123456',
              email: 'beratung@caritas.example',
              hours: 'Di und Do 9–12 Uhr',
            },
          }),
          item('counselling', 'Engagementberatung Haldensleben', {
            description: 'Wir helfen bei Vereinsgründung und Anträgen.',
            regions: [boerde],
            fields: { organisation: 'Freiwilligenagentur', phone: '03904 98765' },
          }),
        ],
      },
      {
        type: 'training',
        heading: 'Fortbildungen',
        elsewhere: 'hide',
        items: [
          item('training', 'Anträge schreiben leicht gemacht', {
            description: 'Ein Workshop für Einsteigerinnen und Einsteiger.',
            fields: {
              startsAt: '2027-05-12T10:00',
              endsAt: '2027-05-12T13:00',
              place: 'online',
              fee: 'kostenlos',
              accessibility: 'Mit Untertiteln',
              url: 'https://news.example.org/termine/antraege',
            },
          }),
          item('training', 'Moderation im Ehrenamt (Wernigerode)', {
            description: 'Zwei Tage Praxis.',
            regions: [harz],
            fields: {
              startsAt: '2027-06-04T09:00',
              endsAt: '2027-06-05T16:00',
              place: 'Rathaus Wernigerode, Marktplatz 1',
              fee: '20 €',
              accessibility: 'Rollstuhlgerecht',
              url: 'https://news.example.org/termine/moderation',
            },
          }),
        ],
      },
      {
        type: 'meeting',
        heading: 'Treffen',
        elsewhere: 'show',
        items: [
          item('meeting', 'Netzwerktreffen Börde', {
            description: 'Austausch bei Kaffee und Kuchen.',
            regions: [boerde],
            fields: {
              startsAt: '2027-05-20T17:00',
              place: 'Bürgerhaus Oschersleben',
              url: 'https://news.example.org/termine/boerde',
            },
          }),
        ],
      },
      {
        type: 'support',
        heading: 'Unterstützung',
        elsewhere: 'show',
        items: [
          item('support', 'Kostenlose Rechtsberatung für Vereine', {
            description: 'Telefonisch, jeden ersten Montag im Monat.',
            roles: ['volunteer'],
            fields: { url: 'https://news.example.org/rechtsberatung' },
          }),
          item('support', 'Räume für Gruppen gesucht?', {
            description: 'Die Gemeinden stellen Räume kostenlos zur Verfügung.',
            roles: ['municipality'],
            fields: { url: 'https://news.example.org/raeume' },
          }),
        ],
      },
      {
        type: 'text',
        heading: 'Aus dem Netzwerk',
        elsewhere: 'show',
        items: [
          item('text', 'Rückblick: Fachtag Engagement', {
            description: 'Über 120 Menschen kamen nach Magdeburg. Danke!',
            fields: {
              imageUrl: 'https://news.example.org/img/fachtag.jpg',
              imageAlt: 'Teilnehmende des Fachtags im Saal',
              buttonLabel: 'Zur Fotogalerie',
              buttonUrl: 'https://news.example.org/fachtag',
            },
          }),
          item('text', 'Umfrage zum Newsletter', {
            description: 'Sagen Sie uns, was Sie lesen möchten.',
            fields: { buttonLabel: 'Mitmachen', buttonUrl: 'https://news.example.org/umfrage' },
          }),
        ],
      },
    ],
  };
}
