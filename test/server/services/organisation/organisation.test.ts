import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../../server/services/context.js';
import {
  contrastRatio,
  OrganisationService,
  validateOrganisation,
  type OrganisationValues,
} from '../../../../server/services/organisation/index.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);
const WEBP = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([0x10, 0, 0, 0]),
  Buffer.from('WEBPVP8 '),
]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

const valid: OrganisationValues = {
  name: 'Arbeit und Leben Sachsen-Anhalt',
  tagline: 'Beratung und Schulung',
  project: 'Integrationspotentiale im ländlichen Raum nutzen',
  primaryColour: '#1d4e89',
  textColour: '#1a1a1a',
  imprint: 'Bundesarbeitskreis Arbeit und Leben (DGB/VHS) e.V.\nRobertstr. 5a\n42107 Wuppertal',
  postalAddress: 'Robertstr. 5a\n42107 Wuppertal',
  funderAttribution: 'Gefördert von der Bundeszentrale für politische Bildung (bpb)',
  senderName: 'Integrationspotentiale',
  senderAddress: 'newsletter@example.org',
  replyTo: 'team@example.org',
  privacyUrl: 'https://example.org/datenschutz',
  logoAlt: '',
};

const problems = (patch: Partial<OrganisationValues>, options = { hasLogo: false }) =>
  validateOrganisation({ ...valid, ...patch }, options).errors;

describe('the organisation settings validator', () => {
  it('accepts the model organisation', () => {
    expect(problems({})).toEqual({});
  });

  it('computes the WCAG contrast ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('refuses colours with a contrast below 4.5:1 against white, and accepts 4.54:1', () => {
    expect(problems({ primaryColour: '#777777' })).toEqual({
      primaryColour: 'organisation.errors.contrast',
    });
    expect(problems({ textColour: '#ffff00' })).toEqual({
      textColour: 'organisation.errors.contrast',
    });
    expect(problems({ textColour: '#767676', primaryColour: '#000000' })).toEqual({});
  });

  it('wants colours written #rrggbb', () => {
    for (const colour of ['#fff', '1d4e89', '#1d4e8g', 'blue', '', '#1d4e89ff'])
      expect(problems({ primaryColour: colour })).toEqual({
        primaryColour: 'organisation.errors.colour',
      });
    const { values, errors } = validateOrganisation(
      { ...valid, primaryColour: ' #1D4E89 ' },
      { hasLogo: false },
    );
    expect(errors).toEqual({});
    expect(values.primaryColour).toBe('#1d4e89');
  });

  it('wants an http or https privacy address', () => {
    for (const url of ['javascript:alert(1)', 'ftp://example.org/x', '/privacy', 'https://', ''])
      expect(problems({ privacyUrl: url })).toEqual({ privacyUrl: 'organisation.errors.url' });
    expect(problems({ privacyUrl: 'http://example.org/privacy' })).toEqual({});
  });

  it('allows line breaks in the imprint and address, but no markup or other control characters', () => {
    const { values, errors } = validateOrganisation(
      { ...valid, imprint: 'Line one\r\nLine two\r\n\r\nLine four' },
      { hasLogo: false },
    );
    expect(errors).toEqual({});
    expect(values.imprint).toBe('Line one\nLine two\n\nLine four');
    for (const bad of [
      '<b>Imprint</b>',
      'Name\tTab',
      'Name\u0000',
      'RLO \u202e',
      'x'.repeat(2001),
    ]) {
      expect(problems({ imprint: bad })).toEqual({ imprint: 'organisation.errors.multiLine' });
      expect(problems({ postalAddress: bad })).toEqual({
        postalAddress: 'organisation.errors.multiLine',
      });
    }
  });

  it('keeps single-line texts on one line', () => {
    expect(problems({ funderAttribution: 'Funded\nby' })).toEqual({
      funderAttribution: 'organisation.errors.plainText',
    });
    expect(problems({ funderAttribution: 'x'.repeat(301) })).toEqual({
      funderAttribution: 'organisation.errors.plainText',
    });
    expect(problems({ name: '' })).toEqual({ name: 'organisation.errors.nameMissing' });
    expect(problems({ name: '<script>' })).toEqual({ name: 'organisation.errors.plainText' });
    expect(problems({ project: 'Projekt\nzwei Zeilen' })).toEqual({
      project: 'organisation.errors.plainText',
    });
    expect(problems({ project: 'x'.repeat(201) })).toEqual({
      project: 'organisation.errors.plainText',
    });
    expect(problems({ project: '' })).toEqual({});
  });

  it('checks the sender and reply-to addresses', () => {
    expect(problems({ senderAddress: '' })).toEqual({
      senderAddress: 'organisation.errors.emailMissing',
    });
    expect(problems({ senderAddress: 'no-at-sign' })).toEqual({
      senderAddress: 'organisation.errors.email',
    });
    expect(problems({ replyTo: 'a@b@c' })).toEqual({ replyTo: 'organisation.errors.email' });
    expect(problems({ replyTo: '' })).toEqual({});
  });

  it('accepts PNG, JPEG and WebP logos by their bytes, up to 500 KB, and wants a text alternative', () => {
    const logo = (bytes: Buffer, logoAlt = 'Logo') =>
      validateOrganisation({ ...valid, logoAlt }, { hasLogo: true, logo: bytes }).errors;
    expect(logo(PNG)).toEqual({});
    expect(logo(JPEG)).toEqual({});
    expect(logo(WEBP)).toEqual({});
    expect(logo(SVG)).toEqual({ logo: 'organisation.errors.logoType' });
    expect(logo(Buffer.from('name,email\n'))).toEqual({ logo: 'organisation.errors.logoType' });
    expect(logo(Buffer.alloc(0))).toEqual({ logo: 'organisation.errors.logoMissing' });
    const big = Buffer.concat([PNG, Buffer.alloc(500 * 1024 - PNG.length + 1)]);
    expect(logo(big)).toEqual({ logo: 'organisation.errors.logoTooLarge' });
    expect(logo(big.subarray(0, 500 * 1024))).toEqual({});
    expect(logo(PNG, '  ')).toEqual({ logoAlt: 'organisation.errors.logoAltMissing' });
  });
});

describe('OrganisationService', () => {
  let ctx: ServiceTestContext;
  let service: OrganisationService;
  let admin: Actor;
  beforeEach(() => {
    ctx = serviceTestContext({ PRIVACY_URL: 'https://landpost.test/privacy' });
    service = new OrganisationService(ctx);
    const userId = Number(
      ctx.database.sqlite
        .prepare(
          "insert into users (email, name, role, password_hash) values ('admin@landpost.test', 'Admin', 'admin', 'x')",
        )
        .run().lastInsertRowid,
    );
    admin = { kind: 'user', userId, email: 'admin@landpost.test', ip: '127.0.0.1' };
  });
  afterEach(() => ctx.close());

  const audit = () =>
    ctx.sql<{ actor: string; action: string; entity: string; details: string }>(
      "select actor, action, entity, details from audit_log where entity = 'organisation' order by id",
    );

  it('takes its defaults from the environment while nothing is saved', () => {
    expect(service.get()).toMatchObject({
      name: 'Landpost Test e.V.',
      imprint: 'Landpost Test e.V.\nMusterstraße 1\n39104 Magdeburg',
      senderName: 'Landpost Test',
      senderAddress: 'newsletter@landpost.test',
      privacyUrl: 'https://landpost.test/privacy',
      replyTo: '',
      logo: null,
    });
    expect(ctx.sql('select * from organisation_settings')).toEqual([]);
  });

  it('saves a change over the defaults, audits the changed fields, and leaves the rest to the environment', () => {
    const saved = service.update(
      { tagline: 'Beratung und Schulung', funderAttribution: valid.funderAttribution },
      admin,
    );
    expect(saved.kind).toBe('saved');
    expect(service.get()).toMatchObject({
      name: 'Landpost Test e.V.',
      tagline: 'Beratung und Schulung',
      funderAttribution: valid.funderAttribution,
    });
    const [row] = ctx.sql<Record<string, unknown>>('select * from organisation_settings');
    expect(row).toMatchObject({ name: null, tagline: 'Beratung und Schulung', imprint: null });
    expect(audit()).toEqual([
      {
        actor: 'admin@landpost.test',
        action: 'update',
        entity: 'organisation',
        details: JSON.stringify({ changed: ['tagline', 'funderAttribution'] }),
      },
    ]);
    // The environment still supplies what was never changed.
    const later = new OrganisationService({
      ...ctx,
      config: { ...ctx.config, orgName: 'Renamed in the environment' },
    });
    expect(later.get().name).toBe('Renamed in the environment');
  });

  it('saves nothing when a field is invalid', () => {
    const result = service.update({ name: 'New name', textColour: '#cccccc' }, admin);
    expect(result).toMatchObject({
      kind: 'invalid',
      errors: { textColour: 'organisation.errors.contrast' },
    });
    expect(service.get().name).toBe('Landpost Test e.V.');
    expect(ctx.sql('select * from organisation_settings')).toEqual([]);
    expect(audit()).toEqual([]);
  });

  it('stores a logo under DATA_DIR/uploads with a random name, and removes it again', () => {
    expect(service.setLogo(SVG, 'Logo', admin)).toMatchObject({
      kind: 'invalid',
      errors: { logo: 'organisation.errors.logoType' },
    });
    expect(service.setLogo(PNG, '', admin)).toMatchObject({
      kind: 'invalid',
      errors: { logoAlt: 'organisation.errors.logoAltMissing' },
    });
    expect(service.get().logo).toBeNull();

    const result = service.setLogo(PNG, 'Landpost Test e.V.', admin);
    expect(result.kind).toBe('saved');
    const logo = service.get().logo!;
    expect(logo.file).toMatch(/^[0-9a-f]{32}\.png$/);
    expect(logo).toEqual({
      file: logo.file,
      url: `/media/${logo.file}`,
      alt: 'Landpost Test e.V.',
    });
    const path = join(ctx.config.dataDir, 'uploads', logo.file);
    expect(readFileSync(path)).toEqual(PNG);
    expect(service.media(logo.file)).toEqual({ bytes: PNG, type: 'image/png' });
    expect(service.media('../landpost.sqlite')).toBeUndefined();

    // With a logo, its text alternative stays required.
    expect(service.update({ logoAlt: '' }, admin)).toMatchObject({
      kind: 'invalid',
      errors: { logoAlt: 'organisation.errors.logoAltMissing' },
    });

    service.removeLogo(admin);
    expect(service.get().logo).toBeNull();
    expect(service.get().logoAlt).toBe('');
    // Newsletters already sent keep showing it.
    expect(existsSync(path)).toBe(true);
    expect(audit().map((a) => [a.action, a.details])).toEqual([
      ['set-logo', JSON.stringify({ changed: ['logoAlt', 'logo'] })],
      ['remove-logo', null],
    ]);
  });
});
