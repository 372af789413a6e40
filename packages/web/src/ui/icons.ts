/**
 * Every icon the dashboard draws, in one place: SVG path data (`d`), stroked with currentColor.
 * Most are drawn in a 24×24 box; the few drawn in another box say so in their name. Components keep their
 * own <svg> element (size, stroke width) and take the shape from here, so one icon looks the same everywhere.
 */
export const ICONS = {
  // Sidebar sections.
  users:
    'M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M21 19v-1a4 4 0 0 0-3-3.87M15.5 4.13a3 3 0 0 1 0 5.74',
  companies: 'M4 21V5a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v16M15 9h4a1 1 0 0 1 1 1v11M2 21h20M8 8h3M8 12h3M8 16h3',
  groups: 'M12 3 3 7.5l9 4.5 9-4.5zM3 12l9 4.5 9-4.5M3 16.5 12 21l9-4.5',
  integrations: 'M9 7V3M15 7V3M7 7h10v4a5 5 0 0 1-10 0zM12 16v5',
  auditLog:
    'M9 4h6M9 4a1 1 0 0 0-1 1v1h8V5a1 1 0 0 0-1-1M8 6H6a1 1 0 0 0-1 1v13a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V7a1 1 0 0 0-1-1h-2M9 12h6M9 16h4',
  settings:
    'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6M19.4 13a7.5 7.5 0 0 0 0-2l2-1.6-2-3.4-2.4 1a7.6 7.6 0 0 0-1.7-1L15 3.5h-4l-.3 2.5a7.6 7.6 0 0 0-1.7 1l-2.4-1-2 3.4 2 1.6a7.5 7.5 0 0 0 0 2l-2 1.6 2 3.4 2.4-1a7.6 7.6 0 0 0 1.7 1l.3 2.5h4l.3-2.5a7.6 7.6 0 0 0 1.7-1l2.4 1 2-3.4z',
  // Row actions.
  send: 'M21 3 10 14M21 3l-7 18-4-7-7-4z',
  userRemove: 'M15 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M8.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6M17 8l5 5M22 8l-5 5',
  cross: 'M6 6l12 12M18 6 6 18',
  restore: 'M3 12a9 9 0 1 0 3-6.7M3 4v5h5',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
  // Everything else.
  emptyList: 'M4 6h16M4 12h16M4 18h10',
  upload: 'M12 16V4M7 9l5-5 5 5M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3',
  /** In a 16×16 box: a dialog's close button. */
  close16: 'M4 4l8 8M12 4l-8 8',
  /** In a 10×14 box: a sortable column's up and down arrows. */
  sortAscending10x14: 'M5 1 9 5H1z',
  sortDescending10x14: 'M5 13 1 9h8z',
  /** The Roster mark's three lines, drawn in white on its rounded square (see BrandMark.vue). */
  brandLines: 'M7 8h10M7 12h10M7 16h6',
} as const;

export type IconName = keyof typeof ICONS;
