import type { BarRow, LineSeries } from '../../../../server/services/charts/index.js';

/** Figures of the kind the dashboard shows, with a hostile label to prove the escaping. */
export const reachByDistrict = [
  { ags: '15085', value: 23 },
  { ags: '15003', value: 41 },
  { ags: '15002', value: 17 },
  { ags: '15001', value: 4 },
  { ags: '15090', value: 9 },
  { ags: '15088', value: 12 },
  { ags: '15089', value: 6 },
  { ags: '15082', value: 2 },
  { ags: '15084', value: 1 },
  { ags: '15083', value: 30 },
  // Two districts nobody came from yet: 15081 Altmarkkreis Salzwedel, 15086 Jerichower Land.
  { ags: '15087', value: 3 },
  { ags: '15091', value: 8 },
];

export const subscribersOverTime: LineSeries[] = [
  {
    label: 'Abonnent*innen',
    points: [
      { x: '2026-01', y: 40 },
      { x: '2026-02', y: 58 },
      { x: '2026-03', y: 71 },
      { x: '2026-04', y: 90 },
      { x: '2026-05', y: 104 },
      { x: '2026-06', y: 1250 },
    ],
  },
  {
    label: 'Empfehlungen <script>window.injected = true</script>',
    points: [
      { x: '2026-02', y: 3 },
      { x: '2026-04', y: 11 },
      { x: '2026-06', y: 20 },
    ],
  },
];

export const opensPerEdition: BarRow[] = [
  {
    label: 'Ausgabe 1: Ehrenamt im Landkreis',
    values: [
      { name: 'Menschen', value: 48 },
      { name: 'Maschinen', value: 31 },
    ],
  },
  {
    label: 'Ausgabe 2 <b>&</b>',
    values: [
      { name: 'Menschen', value: 62 },
      { name: 'Maschinen', value: 12 },
    ],
  },
  {
    label: 'Випуск 3 — Бератунг',
    values: [
      { name: 'Menschen', value: 0 },
      { name: 'Maschinen', value: 5 },
    ],
  },
];
