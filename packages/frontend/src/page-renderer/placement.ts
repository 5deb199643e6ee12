import type { PageComponentBase, PageLayout } from '../api/page-manifest-types.js';

export const LAYOUTS: PageLayout[] = ['content-only', 'with-sidebar', 'dashboard', 'split-view'];

export interface Placement {
  layout: PageLayout;
  main: PageComponentBase[];
  /** The sidebar (with-sidebar) or the second pane (split-view); empty for the other layouts. */
  aside: PageComponentBase[];
}

/**
 * Splits components between the layout's regions. A component's `area` hint wins; without
 * hints, split-view halves the list so both panes carry content, and with-sidebar keeps
 * everything in the main column (its sidebar then lists the sections).
 */
export function placeComponents(layout: string | undefined, components: PageComponentBase[]): Placement {
  const known = LAYOUTS.includes(layout as PageLayout) ? (layout as PageLayout) : 'content-only';
  if (known === 'with-sidebar') {
    return { layout: known, main: components.filter((c) => c.area !== 'sidebar'), aside: components.filter((c) => c.area === 'sidebar') };
  }
  if (known === 'split-view') {
    const hinted = components.some((c) => c.area === 'secondary' || c.area === 'right');
    if (hinted) {
      const second = (c: PageComponentBase) => c.area === 'secondary' || c.area === 'right';
      return { layout: known, main: components.filter((c) => !second(c)), aside: components.filter(second) };
    }
    const half = Math.ceil(components.length / 2);
    return { layout: known, main: components.slice(0, half), aside: components.slice(half) };
  }
  return { layout: known, main: components, aside: [] };
}
