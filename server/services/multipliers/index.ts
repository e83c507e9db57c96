import type { Db } from '../../../db/client.js';
import * as multipliers from '../../../db/queries/multipliers.js';
import * as reference from '../../../db/queries/reference.js';
import { findOrganisationSettings } from '../../../db/queries/settings.js';
import * as subscribers from '../../../db/queries/subscribers.js';
import type { UserRole } from '../../../db/schema.js';
import { roleAllows } from '../accounts/index.js';
import type { ServiceContext } from '../context.js';
import { sourceKinds, type SourceKind } from '../sources/index.js';

/** A period of whole days in Europe/Berlin, both ends included (`YYYY-MM-DD`). */
export interface Period {
  from: string;
  to: string;
}

/** A person whose recommendations led to confirmed sign-ups or event registrations. */
export interface Multiplier {
  /** The subscriber; null for recommendations of people erased since (one entry for all). */
  id: number | null;
  /** Null when the viewer may not see names, or the person is erased. */
  name: string | null;
  /** Numbers the people of one view (1, 2, …): how they are told apart without names. */
  alias: number;
  erased: boolean;
  regionKey: string | null;
  regionName: string | null;
  roles: { key: string; name: string }[];
  /** Confirmed sign-ups through their recommendation links in the period. */
  signups: number;
  /** Event registrations (not cancelled) through their links in the period. */
  registrations: number;
}

/** One person in the tree of who brought whom, with the people they brought. */
export interface ChainNode {
  /** `id` is the subscriber's: null for somebody who only registered for an event. */
  person: Pick<Multiplier, 'id' | 'name' | 'alias' | 'erased'>;
  /**
   * Set when the recommendation brought this person to events rather than to the newsletter:
   * the titles of the events they registered for through it.
   */
  registeredFor: string[] | null;
  children: ChainNode[];
}

/** A tree of recommendations from one person nobody (in the period) recommended. */
export interface Chain {
  root: ChainNode;
  /** The people in its longest line: A brought B, B brought C is 3. */
  depth: number;
  /** Everybody in it but the first person. */
  brought: number;
}

/** Totals of the multipliers of one region or one role. */
export interface GroupTotal {
  key: string | null;
  name: string | null;
  multipliers: number;
  signups: number;
  registrations: number;
}

export interface MultiplierView {
  period: Period;
  /** Whether names are shown (admin and editor); viewers see numbered people. */
  names: boolean;
  multipliers: Multiplier[];
  chains: Chain[];
  /** The longest line of recommendations in the period (0 without any). */
  depth: number;
  byRegion: GroupTotal[];
  byRole: GroupTotal[];
  /** Confirmed sign-ups of the period by where they came from, every kind listed. */
  sources: { kind: SourceKind; signups: number }[];
  totals: { signups: number; referralSignups: number; registrations: number };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a value is a real calendar day written `YYYY-MM-DD`. */
function isDay(value: unknown): value is string {
  const m = typeof value === 'string' ? DAY.exec(value) : null;
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}

const berlinParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Berlin',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** How far Berlin's clock is ahead of UTC at an instant (1 or 2 hours). */
function berlinOffset(at: number): number {
  const parts = Object.fromEntries(
    berlinParts.formatToParts(at).map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant a Berlin day begins. */
function berlinDayStart(day: string): number {
  const utc = Date.parse(`${day}T00:00:00Z`);
  const guess = utc - berlinOffset(utc);
  return utc - berlinOffset(guess);
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const berlinMonth = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
});
/** `YYYY-MM` of an instant in Berlin. */
const monthOf = (at: number) => berlinMonth.format(at).slice(0, 7);

/**
 * The multiplier view: whose recommendation links ("recommend to a colleague") brought
 * confirmed subscribers or event registrations, who brought whom, and where sign-ups came
 * from. Names only for admins and editors: to a viewer the people are numbered.
 */
export class MultiplierService {
  private readonly db: Db;

  constructor(ctx: ServiceContext) {
    this.db = ctx.db;
  }

  /** Whether a user of this role sees the multipliers' names. */
  static showsNames(role: UserRole): boolean {
    return roleAllows(role, 'editor');
  }

  /**
   * The period asked for when both ends are real days in order; otherwise the programme
   * period from the settings, else the current calendar year.
   */
  period(asked: { from?: unknown; to?: unknown } = {}, now = Date.now()): Period {
    if (isDay(asked.from) && isDay(asked.to) && asked.from <= asked.to)
      return { from: asked.from, to: asked.to };
    const settings = findOrganisationSettings(this.db);
    if (
      isDay(settings?.programmeFrom) &&
      isDay(settings?.programmeTo) &&
      settings.programmeFrom <= settings.programmeTo
    )
      return { from: settings.programmeFrom, to: settings.programmeTo };
    const year = monthOf(now).slice(0, 4);
    return { from: `${year}-01-01`, to: `${year}-12-31` };
  }

  /** The instants [from, to) of a period. */
  private bounds(period: Period): [number, number] {
    return [berlinDayStart(period.from), berlinDayStart(nextDay(period.to))];
  }

  view(period: Period, viewer: { role: UserRole }, lang = 'de'): MultiplierView {
    const names = MultiplierService.showsNames(viewer.role);
    const [from, to] = this.bounds(period);
    const signups = multipliers.confirmedSignups(from, to, this.db);
    const registrations = multipliers.referredRegistrations(from, to, this.db);
    const referred = signups.filter((s) => s.sourceKind === 'referral');

    // Counts per recommending person; `0` stands for everybody erased since.
    const ERASED = 0;
    const counts = new Map<number, { signups: number; registrations: number }>();
    const count = (id: number | null) => {
      const key = id ?? ERASED;
      let found = counts.get(key);
      if (!found) counts.set(key, (found = { signups: 0, registrations: 0 }));
      return found;
    };
    for (const s of referred) count(s.referredBy).signups += 1;
    for (const r of registrations) count(r.referredBy).registrations += 1;

    const regions = new Map(reference.listRegions(this.db).map((r) => [r.key, r.name]));
    const roles = new Map(
      reference.listRoles(this.db).map((r) => [r.key, r.labels[lang] ?? r.labels.de ?? r.key]),
    );
    const people = new Map(
      subscribers
        .withProfiles(
          [...counts.keys()].filter((id) => id !== ERASED),
          this.db,
        )
        .map((p) => [p.id, p]),
    );
    const list: Multiplier[] = [...counts]
      .map(([id, c]) => {
        const person = people.get(id);
        return {
          id: person ? id : null,
          name: names && person ? person.name || person.email : null,
          alias: 0,
          erased: !person,
          regionKey: person?.regionKey ?? null,
          regionName: person?.regionKey
            ? (regions.get(person.regionKey) ?? person.regionKey)
            : null,
          roles: (person?.roleKeys ?? []).map((key) => ({ key, name: roles.get(key) ?? key })),
          ...c,
        };
      })
      .sort(
        (a, b) =>
          b.signups + b.registrations - (a.signups + a.registrations) ||
          Number(a.erased) - Number(b.erased) ||
          (a.id ?? 0) - (b.id ?? 0),
      );
    list.forEach((m, i) => (m.alias = i + 1));

    const chains = this.chains(referred, registrations, list, names);
    return {
      period,
      names,
      multipliers: list,
      chains,
      depth: Math.max(0, ...chains.map((c) => c.depth)),
      byRegion: groupTotals(list, (m) => [{ key: m.regionKey, name: m.regionName }]),
      byRole: groupTotals(list, (m) =>
        m.roles.length ? m.roles : [{ key: null as string | null, name: null }],
      ),
      sources: sourceKinds.map((kind) => ({
        kind,
        signups: signups.filter((s) => s.sourceKind === kind).length,
      })),
      totals: {
        signups: signups.length,
        referralSignups: referred.length,
        registrations: registrations.length,
      },
    };
  }

  /**
   * Who brought whom: one tree per person who recommended somebody in the period without
   * being recommended in it themself. A recommendation can only name somebody who was there
   * before, so there are no cycles; the walk guards against them all the same. People who
   * registered for an event through a recommendation (without signing up through it) hang
   * under the person who recommended, marked with their events.
   */
  private chains(
    referred: multipliers.ConfirmedSignup[],
    registrations: multipliers.ReferredRegistration[],
    list: Multiplier[],
    names: boolean,
  ): Chain[] {
    const brought = new Map<number, number[]>();
    const erasedRoots: number[] = [];
    const referredIds = new Set(referred.map((s) => s.id));
    for (const s of referred) {
      if (s.referredBy === null) erasedRoots.push(s.id);
      else brought.set(s.referredBy, [...(brought.get(s.referredBy) ?? []), s.id]);
    }

    // Registrations per recommending person (`null`: erased since), one entry per person
    // registered; somebody already brought as a subscriber by the same person is not repeated.
    const ERASED = null;
    type Registrant = { registration: multipliers.ReferredRegistration; events: string[] };
    const registered = new Map<number | null, Map<string, Registrant>>();
    for (const r of registrations) {
      const by = r.referredBy ?? ERASED;
      if (by !== null && r.subscriberId !== null && brought.get(by)?.includes(r.subscriberId))
        continue;
      const who =
        r.subscriberId !== null
          ? `subscriber:${r.subscriberId}`
          : r.email
            ? `email:${r.email.toLowerCase()}`
            : `registration:${r.id}`;
      let people = registered.get(by);
      if (!people) registered.set(by, (people = new Map<string, Registrant>()));
      const known = people.get(who);
      if (!known) people.set(who, { registration: r, events: [r.eventTitle] });
      else if (!known.events.includes(r.eventTitle)) known.events.push(r.eventTitle);
    }
    const known = new Map(list.filter((m) => m.id !== null).map((m) => [m.id!, m]));
    const erased = list.find((m) => m.erased);
    // People brought who brought nobody themselves: named here (they are in no list row).
    const others = new Map(
      subscribers
        .withProfiles(
          [...referredIds].filter((id) => !known.has(id)),
          this.db,
        )
        .map((p) => [p.id, p]),
    );
    let nextAlias = list.length + 1;
    const aliases = new Map<number, number>();
    const personOf = (id: number): ChainNode['person'] => {
      const m = known.get(id);
      if (m) return { id, name: m.name, alias: m.alias, erased: false };
      const p = others.get(id);
      let alias = aliases.get(id);
      if (alias === undefined) aliases.set(id, (alias = nextAlias++));
      return { id, name: names && p ? p.name || p.email : null, alias, erased: !p };
    };

    const registrantAliases = new Map<string, number>();
    const registrantsOf = (by: number | null): Walked[] =>
      [...(registered.get(by) ?? [])].map(([who, { registration: r, events }]) => {
        let alias = registrantAliases.get(who);
        if (alias === undefined) registrantAliases.set(who, (alias = nextAlias++));
        return {
          node: {
            person: {
              id: r.subscriberId,
              name: names ? r.name || r.email || null : null,
              alias,
              erased: false,
            },
            registeredFor: events,
            children: [],
          },
          depth: 1,
          size: 1,
        };
      });

    type Walked = { node: ChainNode; depth: number; size: number };
    const visited = new Set<number>();
    const walk = (id: number, seen: Set<number>): Walked => {
      visited.add(id);
      const children = (brought.get(id) ?? []).filter((child) => !seen.has(child));
      const inner = new Set([...seen, id]);
      const walked = [...children.map((child) => walk(child, inner)), ...registrantsOf(id)];
      return {
        node: { person: personOf(id), registeredFor: null, children: walked.map((w) => w.node) },
        depth: 1 + Math.max(0, ...walked.map((w) => w.depth)),
        size: 1 + walked.reduce((sum, w) => sum + w.size, 0),
      };
    };
    const chainOf = (walked: Walked): Chain => ({
      root: walked.node,
      depth: walked.depth,
      brought: walked.size - 1,
    });

    const recommending = [
      ...new Set([
        ...brought.keys(),
        ...[...registered.keys()].filter((id): id is number => id !== ERASED),
      ]),
    ];
    const roots = recommending.filter((id) => !referredIds.has(id));
    const chains = roots.map((id) => chainOf(walk(id, new Set())));
    if ((erasedRoots.length || registered.has(ERASED)) && erased) {
      const walked = [...erasedRoots.map((id) => walk(id, new Set())), ...registrantsOf(ERASED)];
      chains.push(
        chainOf({
          node: {
            person: { id: null, name: null, alias: erased.alias, erased: true },
            registeredFor: null,
            children: walked.map((w) => w.node),
          },
          depth: 1 + Math.max(0, ...walked.map((w) => w.depth)),
          size: 1 + walked.reduce((sum, w) => sum + w.size, 0),
        }),
      );
    }
    // People in a cycle have no root: each cycle is drawn from its first person, once.
    for (const id of [...brought.keys()].sort((a, b) => a - b))
      if (!visited.has(id)) chains.push(chainOf(walk(id, new Set())));
    return chains.sort((a, b) => b.depth - a.depth || b.brought - a.brought);
  }
}

/** Totals of the multipliers per group (a person with two roles counts under both). */
function groupTotals(
  list: Multiplier[],
  groupsOf: (m: Multiplier) => { key: string | null; name: string | null }[],
): GroupTotal[] {
  const totals = new Map<string | null, GroupTotal>();
  for (const m of list) {
    if (m.erased) continue;
    for (const group of groupsOf(m)) {
      let total = totals.get(group.key);
      if (!total)
        totals.set(group.key, (total = { ...group, multipliers: 0, signups: 0, registrations: 0 }));
      total.multipliers += 1;
      total.signups += m.signups;
      total.registrations += m.registrations;
    }
  }
  return [...totals.values()].sort(
    (a, b) =>
      b.signups + b.registrations - (a.signups + a.registrations) ||
      (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff'),
  );
}
