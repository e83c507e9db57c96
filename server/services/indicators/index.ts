import { transaction, type Db } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as q from '../../../db/queries/indicators.js';
import { findOrganisationSettings, saveReachSettings } from '../../../db/queries/settings.js';
import { allLabelled, allRegions } from '../../../db/queries/taxonomy.js';
import { consultationKinds, type ConsultationKind } from '../../../db/schema.js';
import { seededIndicators } from '../../../db/seed.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import type { OrganisationService } from '../organisation/index.js';
import { isPlainText } from '../plain-text.js';
import { hasProblems, type Problems } from '../reference/problems.js';
import { indicatorKeys, indicatorTexts, type IndicatorKey } from './definitions.js';
import { indicatorCharts, type IndicatorChart } from './charts.js';
import { evidenceRows, toCsv, type Names } from './export.js';
import { gatherEvidence, valuesOf, type Evidence } from './measure.js';
import { monthsOf, periodProblems, rangeOf, type Period } from './period.js';
import { renderReport } from './report.js';

export {
  definitions,
  indicatorKeys,
  indicatorTexts,
  isIndicatorKey,
  MEETING_MIN_PEOPLE,
  MEETING_MIN_REGIONS,
  type IndicatorKey,
} from './definitions.js';
export type { Evidence, Meeting, ReachedPerson } from './measure.js';
export type { IndicatorChart } from './charts.js';
export { germanDay, germanTime, monthsOf, type Period } from './period.js';

/** The highest target a form or the API takes. */
export const MAX_TARGET = 1_000_000;
export const LABEL_MAX = 200;

export interface Target {
  key: IndicatorKey;
  label: string;
  target: number;
  unit: string;
  /** The shipped label and target, shown next to the field. */
  defaultLabel: string;
  defaultTarget: number;
}

export interface Indicator {
  key: IndicatorKey;
  label: string;
  definition: string;
  unit: string;
  /** The unit in words, in the language asked for, e.g. "Personen". */
  unitLabel: string;
  target: number;
  value: number;
  /** value / target; 1 when the target is 0. */
  progress: number;
  /** Cumulative value at the end of each month of the period. */
  trend: { month: string; value: number }[];
}

/** What the charts show for a period; human and machine figures are never added up. */
export interface Figures {
  subscribers: { month: string; confirmed: number }[];
  reachByRegion: { regionKey: string | null; people: number }[];
  reachByRole: { roleKey: string | null; people: number }[];
  editions: {
    id: number;
    number: number;
    title: string;
    firstSentAt: number;
    delivered: number;
    opens: { human: number; machine: number; uniqueHuman: number };
    clicks: { human: number; scanner: number; uniqueHuman: number };
  }[];
  /** Every event of the period; `presentRegions`: the different regions its present people came from. */
  events: (q.EventRegistrationCounts & { presentRegions: number })[];
  referrals: { month: string; signups: number }[];
  /** The consultations of the period by kind (every kind listed) and by region. */
  consultationsByKind: { kind: ConsultationKind; consultations: number; people: number }[];
  consultationsByRegion: { regionKey: string | null; consultations: number; people: number }[];
}

/** A target form or API body: per key a label and a target, as typed; the programme period. */
export interface TargetsDraft {
  from: string;
  to: string;
  targets: Partial<Record<IndicatorKey, { label?: string; target?: string | number }>>;
}

export type PeriodResult =
  { kind: 'period'; period: Period } | { kind: 'invalid'; errors: Problems };

/**
 * The funder's indicators: their targets (shipped defaults the organisation may change), their
 * values for a period exactly as the definitions say, and the figures behind the charts.
 */
export class IndicatorService {
  private readonly db: Db;

  constructor(
    ctx: Pick<ServiceContext, 'db'>,
    private readonly organisation: OrganisationService,
  ) {
    this.db = ctx.db;
  }

  /** The funded programme's period: the organisation's own, else the shipped one. */
  programmePeriod(): Period {
    const seeded = seededIndicators().period;
    const saved = findOrganisationSettings(this.db);
    return { from: saved?.programmeFrom ?? seeded.from, to: saved?.programmeTo ?? seeded.to };
  }

  /** A period as a query gives it; a missing end is the programme period's. */
  period(query: { from?: string; to?: string }): PeriodResult {
    const fallback = this.programmePeriod();
    const from = query.from?.trim() || fallback.from;
    const to = query.to?.trim() || fallback.to;
    const errors = periodProblems(from, to);
    return hasProblems(errors)
      ? { kind: 'invalid', errors }
      : { kind: 'period', period: { from, to } };
  }

  /** Every indicator's target: the saved one or the shipped default. */
  targets(): Target[] {
    const seeded = seededIndicators().targets;
    const saved = new Map(q.listTargets(this.db).map((t) => [t.key, t]));
    return indicatorKeys.map((key) => {
      const shipped = seeded.find((t) => t.key === key);
      const own = saved.get(key);
      const defaultLabel = shipped?.de ?? key;
      const defaultTarget = shipped?.target ?? 0;
      return {
        key,
        label: own?.label ?? defaultLabel,
        target: own?.target ?? defaultTarget,
        unit: shipped?.unit ?? 'people',
        defaultLabel,
        defaultTarget,
      };
    });
  }

  /** Save the targets and the programme period; nothing is saved when a field is wrong. */
  saveTargets(
    draft: TargetsDraft,
    actor: Actor,
  ): { kind: 'saved' } | { kind: 'invalid'; errors: Problems } {
    const errors: Problems = periodProblems(draft.from.trim(), draft.to.trim());
    const rows = this.targets().map((current) => {
      const given = draft.targets[current.key] ?? {};
      const label = (given.label ?? current.label).trim();
      const raw = given.target ?? current.target;
      const target =
        typeof raw === 'number' ? raw : /^\s*\d{1,7}\s*$/.test(raw) ? Number(raw) : NaN;
      if (!label || !isPlainText(label, LABEL_MAX))
        errors[`${current.key}.label`] = 'indicators.errors.label';
      if (!Number.isInteger(target) || target < 0 || target > MAX_TARGET)
        errors[`${current.key}.target`] = 'indicators.errors.target';
      return { key: current.key, label, target };
    });
    if (hasProblems(errors)) return { kind: 'invalid', errors };
    transaction(this.db, (tx) => {
      for (const row of rows) q.saveTarget(row, actor.kind === 'user' ? actor.userId : null, tx);
      saveReachSettings({ programmeFrom: draft.from.trim(), programmeTo: draft.to.trim() }, tx);
      recordAction(
        auditWho(actor),
        'update',
        'indicator-targets',
        null,
        {
          period: { from: draft.from.trim(), to: draft.to.trim() },
          targets: Object.fromEntries(rows.map((r) => [r.key, r.target])),
        },
        tx,
      );
    });
    return { kind: 'saved' };
  }

  /** The records behind every indicator in a period, as of `now`. */
  evidence(period: Period, now = Date.now()): Evidence {
    return gatherEvidence(rangeOf(period), period, now, this.db);
  }

  /**
   * Every indicator for a period: value against target, definition and monthly trend. The
   * definitions and units are German unless `lang` asks for the admin's English; the labels are
   * the organisation's own and stay as entered.
   */
  values(period: Period, now = Date.now(), lang = 'de'): Indicator[] {
    const texts = indicatorTexts(lang);
    const current = valuesOf(this.evidence(period, now));
    const months = monthsOf(period).map((m) => ({
      month: m.month,
      values: valuesOf(this.evidence({ from: period.from, to: m.end }, now)),
    }));
    return this.targets().map((t) => ({
      key: t.key,
      label: t.label,
      definition: texts.definitions[t.key],
      unit: t.unit,
      unitLabel: texts.units[t.unit] ?? t.unit,
      target: t.target,
      value: current[t.key],
      progress: t.target > 0 ? current[t.key] / t.target : 1,
      trend: months.map((m) => ({ month: m.month, value: m.values[t.key] })),
    }));
  }

  /** Region and role names as the records print them (German role labels unless `lang`'s). */
  names(lang = 'de'): Names {
    const regions = new Map(allRegions(this.db).map((r) => [r.key, r.name]));
    const roles = new Map(
      allLabelled('roles', this.db).map((r) => [r.key, r.labels[lang] ?? r.labels.de ?? r.key]),
    );
    return {
      region: (key) => (key ? (regions.get(key) ?? key) : ''),
      role: (key) => (key ? (roles.get(key) ?? key) : ''),
    };
  }

  /**
   * The records behind one indicator as CSV. Personal data (names, e-mail addresses) only when
   * asked for; that download is an audit entry.
   */
  csv(
    key: IndicatorKey,
    period: Period,
    personal: boolean,
    actor: Actor,
    now = Date.now(),
  ): string {
    const rows = evidenceRows(key, this.evidence(period, now), this.names(), personal);
    if (personal)
      recordAction(
        auditWho(actor),
        'export',
        'indicator',
        key,
        { format: 'csv', personal: true, period },
        this.db,
      );
    return toCsv(rows);
  }

  /** The figures behind the charts for a period. */
  figures(period: Period, now = Date.now()): Figures {
    const range = rangeOf(period);
    const evidence = this.evidence(period, now);
    const months = monthsOf(period);

    const tally = (keys: (string | null)[]) => {
      const counts = new Map<string | null, number>();
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
    };

    const tracking = q.trackingByEdition(
      evidence.newsletters.map((e) => e.id),
      this.db,
    );
    const figure = (editionId: number, kind: 'open' | 'click', cls: string) =>
      tracking.find((t) => t.editionId === editionId && t.kind === kind && t.class === cls);

    const events = q.registrationCounts(range, this.db);
    const regionsPresent = new Map<number, Set<string>>();
    for (const a of q.presentAttendees(
      events.map((e) => e.id),
      this.db,
    ))
      if (a.regionKey)
        regionsPresent.set(
          a.eventId,
          (regionsPresent.get(a.eventId) ?? new Set()).add(a.regionKey),
        );

    const byRegion = new Map<string | null, { consultations: number; people: number }>();
    for (const c of evidence.consultations) {
      const row = byRegion.get(c.regionKey) ?? { consultations: 0, people: 0 };
      row.consultations += 1;
      row.people += c.people;
      byRegion.set(c.regionKey, row);
    }

    const referrals = q.referralConfirmations(range, this.db);
    const monthOf = (at: number) =>
      new Date(at)
        .toLocaleDateString('en-CA', {
          timeZone: 'Europe/Berlin',
          year: 'numeric',
          month: '2-digit',
        })
        .slice(0, 7);

    return {
      subscribers: months.map((m) => ({
        month: m.month,
        confirmed: q.confirmedCountAt(rangeOf({ from: m.end, to: m.end }).to, this.db),
      })),
      reachByRegion: tally(evidence.reached.map((p) => p.regionKey)).map(([regionKey, people]) => ({
        regionKey,
        people,
      })),
      reachByRole: tally(
        evidence.reached.flatMap((p) => (p.roleKeys.length ? p.roleKeys : [null])),
      ).map(([roleKey, people]) => ({ roleKey, people })),
      editions: evidence.newsletters.map((e) => ({
        id: e.id,
        number: e.number,
        title: e.title,
        firstSentAt: e.firstSentAt,
        delivered: e.delivered,
        opens: {
          human: figure(e.id, 'open', 'human')?.events ?? 0,
          machine: figure(e.id, 'open', 'machine')?.events ?? 0,
          uniqueHuman: figure(e.id, 'open', 'human')?.people ?? 0,
        },
        clicks: {
          human: figure(e.id, 'click', 'human')?.events ?? 0,
          scanner: figure(e.id, 'click', 'scanner')?.events ?? 0,
          uniqueHuman: figure(e.id, 'click', 'human')?.people ?? 0,
        },
      })),
      events: events.map((e) => ({ ...e, presentRegions: regionsPresent.get(e.id)?.size ?? 0 })),
      referrals: months.map((m) => ({
        month: m.month,
        signups: referrals.filter((at) => monthOf(at) === m.month).length,
      })),
      consultationsByKind: consultationKinds.map((kind) => {
        const held = evidence.consultations.filter((c) => c.kind === kind);
        return {
          kind,
          consultations: held.length,
          people: held.reduce((sum, c) => sum + c.people, 0),
        };
      }),
      consultationsByRegion: [...byRegion]
        .map(([regionKey, row]) => ({ regionKey, ...row }))
        .sort(
          (a, b) =>
            b.consultations - a.consultations ||
            Number(a.regionKey === null) - Number(b.regionKey === null) ||
            String(a.regionKey).localeCompare(String(b.regionKey)),
        ),
    };
  }

  /** The charts of a period's figures: SVG for the dashboard, drawings for the report. */
  charts(figures: Figures, lang = 'de'): IndicatorChart[] {
    return indicatorCharts(figures, this.names(lang), lang);
  }

  /**
   * The funder's report for a period as a PDF (A4). Always German, whoever downloads it:
   * definitions, units, charts and names are the funder's words.
   */
  report(period: Period, now = Date.now()): Promise<Buffer> {
    const settings = this.organisation.get();
    const figures = this.figures(period, now);
    return renderReport(
      {
        organisation: settings.name,
        project: settings.project,
        tagline: settings.tagline,
        funderAttribution: settings.funderAttribution,
        period,
        indicators: this.values(period, now, 'de'),
        figures,
        names: this.names('de'),
        createdAt: now,
      },
      this.charts(figures, 'de'),
    );
  }
}
