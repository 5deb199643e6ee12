import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { h, nextTick } from 'vue';
import UiBlankLayout from '../src/layout/UiBlankLayout.vue';

const SLOT_NAMES = [
  'sidebar-mid',
  'sidebar-bottom-indicators',
  'header-tabs',
  'drawer',
  'drawer-actions',
  'drawer-footer',
  'indicators',
  'canvas-main',
  'plugins',
] as const;

function allSlots(except: string[] = []) {
  return Object.fromEntries(
    SLOT_NAMES.filter((name) => !except.includes(name)).map((name) => [
      name,
      () => h('span', { class: 'probe', 'data-probe': name }, `content of ${name}`),
    ]),
  );
}

/** v-show hides with display:none; happy-dom has no layout, so read the style, not isVisible(). */
function panelShown(wrapper: ReturnType<typeof mount>): boolean {
  const panel = wrapper.find('[data-testid="header-panel"]');
  return panel.exists() && (panel.element as HTMLElement).style.display !== 'none';
}

describe('UiBlankLayout', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => localStorage.clear());

  it('draws every slot in its own region', () => {
    const wrapper = mount(UiBlankLayout, { slots: allSlots() });
    for (const name of SLOT_NAMES) {
      const probe = wrapper.find(`[data-probe="${name}"]`);
      expect(probe.exists(), name).toBe(true);
      // The probe sits inside the region marked for that slot, and only there.
      expect(probe.element.closest('[data-slot]')?.getAttribute('data-slot')).toBe(name);
    }
  });

  it('puts the sidebar slots in the sidebar and canvas-main in the labelled main landmark', () => {
    const wrapper = mount(UiBlankLayout, { props: { contentLabel: 'Plugin control center' }, slots: allSlots() });
    const sidebar = wrapper.find('aside[data-region="sidebar"]');
    for (const name of ['sidebar-mid', 'sidebar-bottom-indicators', 'plugins']) {
      expect(sidebar.find(`[data-probe="${name}"]`).exists(), name).toBe(true);
    }
    const main = wrapper.find('main');
    expect(main.attributes('aria-label')).toBe('Plugin control center');
    expect(main.find('[data-probe="canvas-main"]').exists()).toBe(true);
    const header = wrapper.find('header.layout-header');
    for (const name of ['header-tabs', 'indicators', 'drawer', 'drawer-actions', 'drawer-footer']) {
      expect(header.find(`[data-probe="${name}"]`).exists(), name).toBe(true);
    }
  });

  it('has no header accordion without the drawer slot', () => {
    const wrapper = mount(UiBlankLayout, { props: { headerPanelInitiallyOpen: true }, slots: allSlots(['drawer']) });
    expect(wrapper.find('[data-testid="header-panel-toggle"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="header-panel"]').exists()).toBe(false);
  });

  it('offers the accordion with the drawer slot, closed unless told otherwise, toggled by its button', async () => {
    const wrapper = mount(UiBlankLayout, { slots: { drawer: () => h('p', 'drawer content') } });
    const toggle = wrapper.find('[data-testid="header-panel-toggle"]');
    expect(toggle.element.tagName).toBe('BUTTON');
    expect(toggle.attributes('aria-expanded')).toBe('false');
    const panel = wrapper.find('[data-testid="header-panel"]');
    expect(toggle.attributes('aria-controls')).toBe(panel.attributes('id'));
    expect(panelShown(wrapper)).toBe(false);
    await toggle.trigger('click');
    expect(toggle.attributes('aria-expanded')).toBe('true');
    expect(panelShown(wrapper)).toBe(true);
  });

  it('opens initially with header-panel-initially-open', () => {
    const wrapper = mount(UiBlankLayout, { props: { headerPanelInitiallyOpen: true }, slots: { drawer: () => 'x' } });
    expect(panelShown(wrapper)).toBe(true);
  });

  it('remembers the open state under header-panel-storage-key', async () => {
    const key = 'test.headerPanel';
    const first = mount(UiBlankLayout, { props: { headerPanelStorageKey: key }, slots: { drawer: () => 'x' } });
    await first.find('[data-testid="header-panel-toggle"]').trigger('click');
    expect(localStorage.getItem(key)).toBe('true');
    first.unmount();

    // A new page with the same key starts open, although its prop says closed.
    const second = mount(UiBlankLayout, {
      props: { headerPanelStorageKey: key, headerPanelInitiallyOpen: false },
      slots: { drawer: () => 'x' },
    });
    expect(panelShown(second)).toBe(true);
    await second.find('[data-testid="header-panel-toggle"]').trigger('click');
    expect(localStorage.getItem(key)).toBe('false');

    // A remembered "closed" beats header-panel-initially-open.
    const third = mount(UiBlankLayout, {
      props: { headerPanelStorageKey: key, headerPanelInitiallyOpen: true },
      slots: { drawer: () => 'x' },
    });
    expect(panelShown(third)).toBe(false);
  });

  it('writes nothing to localStorage without a storage key', async () => {
    const wrapper = mount(UiBlankLayout, { slots: { drawer: () => 'x' } });
    await wrapper.find('[data-testid="header-panel-toggle"]').trigger('click');
    expect(localStorage.length).toBe(0);
  });

  it('gives drawer-actions a close function that closes the panel', async () => {
    const wrapper = mount(UiBlankLayout, {
      props: { headerPanelInitiallyOpen: true },
      slots: {
        drawer: () => 'x',
        'drawer-actions': ({ close }: { close: () => void }) => h('button', { class: 'close-probe', onClick: close }, 'Close'),
      },
    });
    expect(panelShown(wrapper)).toBe(true);
    await wrapper.find('.close-probe').trigger('click');
    expect(panelShown(wrapper)).toBe(false);
  });

  it('hides the sidebar with sidebar-hidden and shows the emblem otherwise', () => {
    const hidden = mount(UiBlankLayout, { props: { sidebarHidden: true }, slots: allSlots() });
    expect(hidden.find('aside').exists()).toBe(false);
    expect(hidden.find('[data-probe="canvas-main"]').exists()).toBe(true);

    const shown = mount(UiBlankLayout, { props: { emblemSrc: '/emblem.svg' }, slots: allSlots() });
    expect(shown.find('aside img').attributes('src')).toBe('/emblem.svg');
  });
});

describe('UiBlankLayout narrow-screen menu', () => {
  // Focus only moves between elements that are in the document.
  function mountAttached() {
    const host = document.createElement('div');
    document.body.append(host);
    return mount(UiBlankLayout, {
      attachTo: host,
      props: { emblemSrc: '/emblem.svg' },
      slots: {
        'sidebar-mid': () => h('nav', [h('a', { href: '/plugins', class: 'nav-probe' }, 'Plugins')]),
        'canvas-main': () => 'content',
      },
    });
  }

  it('is a labelled button that controls the sidebar and toggles aria-expanded', async () => {
    const wrapper = mountAttached();
    const button = wrapper.find('[data-testid="sidebar-menu-button"]');
    expect(button.element.tagName).toBe('BUTTON');
    expect(button.attributes('aria-controls')).toBe(wrapper.find('aside').attributes('id'));
    expect(button.attributes('aria-label')).toBe('Open menu');
    expect(button.attributes('aria-expanded')).toBe('false');
    await button.trigger('click');
    expect(button.attributes('aria-expanded')).toBe('true');
    expect(button.attributes('aria-label')).toBe('Close menu');
    expect(wrapper.find('.ui-blank-layout').classes()).toContain('nav-open');
    await button.trigger('click');
    expect(button.attributes('aria-expanded')).toBe('false');
    wrapper.unmount();
  });

  it('moves focus into the opened sidebar, and Escape closes it and returns focus to the button', async () => {
    const wrapper = mountAttached();
    const button = wrapper.find('[data-testid="sidebar-menu-button"]');
    await button.trigger('click');
    await nextTick();
    expect(document.activeElement).toBe(wrapper.find('.nav-probe').element);
    // The canvas behind the open drawer is out of reach.
    expect(wrapper.find('.layout-main').attributes('inert')).toBeDefined();

    await wrapper.find('.nav-probe').trigger('keydown', { key: 'Escape' });
    expect(button.attributes('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button.element);
    expect(wrapper.find('.layout-main').attributes('inert')).toBeUndefined();
    wrapper.unmount();
  });

  it('closes when a navigation entry is chosen, and when the backdrop is clicked', async () => {
    const wrapper = mountAttached();
    const button = wrapper.find('[data-testid="sidebar-menu-button"]');
    await button.trigger('click');
    const link = wrapper.find('.nav-probe');
    link.element.addEventListener('click', (event) => event.preventDefault());
    await link.trigger('click');
    expect(button.attributes('aria-expanded')).toBe('false');
    expect(document.activeElement).toBe(button.element);

    await button.trigger('click');
    await wrapper.find('[data-testid="sidebar-backdrop"]').trigger('click');
    expect(button.attributes('aria-expanded')).toBe('false');
    wrapper.unmount();
  });

  it('has no menu button when the sidebar is hidden', () => {
    const wrapper = mount(UiBlankLayout, { props: { sidebarHidden: true } });
    expect(wrapper.find('[data-testid="sidebar-menu-button"]').exists()).toBe(false);
  });
});
