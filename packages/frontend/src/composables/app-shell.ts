import { useLocalStorage, useMediaQuery } from '@vueuse/core';
import { inject, nextTick, provide, ref, shallowRef, useId, watch, type InjectionKey, type Ref, type ShallowRef } from 'vue';

/**
 * Below this width the sidebar would fill the first screen, so it becomes a drawer behind a menu
 * button. Keep it in step with the `max-width: 860px` media queries of the layout parts.
 */
export const NARROW_SCREEN = '(max-width: 860px)';

const FOCUSABLE = 'a[href], button:not([disabled]), input, select, [tabindex]:not([tabindex="-1"])';

/** State the layout's parts share: the narrow-screen drawer and the header panel. */
export interface AppShell {
  /** DOM id of the sidebar, which the menu button controls. */
  sidebarId: string;
  /** DOM id of the header panel, which its toggle controls. */
  panelId: string;
  /** Whether the narrow-screen drawer (the sidebar) is open. */
  navOpen: Readonly<Ref<boolean>>;
  /** Whether the header panel is open. */
  panelOpen: Ref<boolean>;
  /** Set by the header bar: focus returns to the panel's toggle when Escape closes the panel. */
  panelToggle: ShallowRef<HTMLElement | null>;
  /** Set by the top bar: focus returns here when the drawer closes. */
  menuButton: ShallowRef<HTMLElement | null>;
  /** Set by the sidebar: focus moves into it when the drawer opens. */
  sidebar: ShallowRef<HTMLElement | null>;
  openNav(): Promise<void>;
  closeNav(returnFocus?: boolean): void;
}

const KEY: InjectionKey<AppShell> = Symbol('app-shell');

/** Creates the shell state of one layout and hands it to the layout's parts. */
export function provideAppShell(options: { panelStorageKey?: string; panelInitiallyOpen: boolean }): AppShell {
  const navOpen = ref(false);
  const menuButton = shallowRef<HTMLElement | null>(null);
  const panelToggle = shallowRef<HTMLElement | null>(null);
  const sidebar = shallowRef<HTMLElement | null>(null);

  async function openNav() {
    navOpen.value = true;
    await nextTick();
    // The drawer turns visible only now; focus its first control so keyboard users land inside.
    const first = sidebar.value?.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? sidebar.value)?.focus();
  }

  function closeNav(returnFocus = true) {
    if (!navOpen.value) return;
    navOpen.value = false;
    if (returnFocus) menuButton.value?.focus();
  }

  // Widening the window past the breakpoint must not leave the canvas inert behind a closed drawer.
  const narrow = useMediaQuery(NARROW_SCREEN);
  watch(narrow, (isNarrow) => {
    if (!isNarrow) closeNav(false);
  });

  // Only a page that names a key has its panel state remembered, and only once it is toggled.
  const panelOpen = options.panelStorageKey
    ? useLocalStorage(options.panelStorageKey, options.panelInitiallyOpen, {
        writeDefaults: false,
        // Blocked storage only costs the memory of the panel state.
        onError: () => undefined,
      })
    : ref(options.panelInitiallyOpen);

  const shell: AppShell = {
    sidebarId: `layout-sidebar-${useId()}`,
    panelId: `header-panel-${useId()}`,
    navOpen,
    panelOpen,
    panelToggle,
    menuButton,
    sidebar,
    openNav,
    closeNav,
  };
  provide(KEY, shell);
  return shell;
}

/** The shell state of the enclosing layout. */
export function useAppShell(): AppShell {
  const shell = inject(KEY);
  if (!shell) throw new Error('useAppShell() needs an enclosing UiBlankLayout');
  return shell;
}
