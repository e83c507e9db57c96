/** Figures of the kind the dashboard shows. */
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
