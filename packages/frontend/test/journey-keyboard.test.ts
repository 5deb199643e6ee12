import { enableAutoUnmount, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import UiBaseModal from '../src/layout/UiBaseModal.vue';
import UiBlankLayout from '../src/layout/UiBlankLayout.vue';

// Keyboard paths of the shell: the skip link, a dialog without fields, and Escape on the header panel.

// Unmounted after each test: an open dialog left behind would keep Escape for itself.
enableAutoUnmount(afterEach);
afterEach(() => {
  document.body.innerHTML = '';
  localStorage.clear();
});

const press = (key: string) => document.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));

describe('keyboard paths', () => {
  it('has "Skip to content" as the first focusable element, and it moves focus to the main canvas', async () => {
    const wrapper = mount(UiBlankLayout, {
      slots: { 'sidebar-mid': () => h('a', { href: '/x' }, 'nav'), 'canvas-main': () => h('p', 'content') },
      attachTo: document.body,
    });
    const first = (wrapper.element as HTMLElement).querySelector<HTMLElement>('a[href], button, input, [tabindex="0"]')!;
    expect(first.textContent?.trim()).toBe('Skip to content');
    await wrapper.find('[data-testid="skip-link"]').trigger('click');
    expect(document.activeElement).toBe(wrapper.find('main').element);
    expect(first.getAttribute('href')).toBe(`#${wrapper.find('main').attributes('id')}`);
  });

  it('focuses the first button of a dialog without fields, not its close button', async () => {
    const open = ref(false);
    const Host = defineComponent(
      () => () =>
        h(
          UiBaseModal,
          { open: open.value, title: 'Sure?' },
          { default: () => h('p', 'Text'), footer: () => h('button', { class: 'cancel' }, 'Cancel') },
        ),
    );
    mount(Host, { attachTo: document.body });
    open.value = true;
    await nextTick();
    await nextTick();
    expect((document.activeElement as HTMLElement).className).toBe('cancel');
  });

  it('closes the header panel on Escape and gives focus back to its toggle', async () => {
    const wrapper = mount(UiBlankLayout, {
      props: { headerPanelInitiallyOpen: true },
      slots: { drawer: () => h('button', { class: 'inside' }, 'inside'), 'canvas-main': () => h('p', 'content') },
      attachTo: document.body,
    });
    const panel = () => wrapper.find('[data-testid="header-panel"]').element as HTMLElement;
    expect(panel().style.display).not.toBe('none');
    (wrapper.find('.inside').element as HTMLElement).focus();
    press('Escape');
    await nextTick();
    expect(panel().style.display).toBe('none');
    expect(document.activeElement).toBe(wrapper.find('[data-testid="header-panel-toggle"]').element);
  });

  it('leaves Escape to an open dialog: the header panel stays open', async () => {
    const open = ref(true);
    const wrapper = mount(
      defineComponent(
        () => () =>
          h('div', [
            h(UiBlankLayout, { headerPanelInitiallyOpen: true }, { drawer: () => h('span', 'summary') }),
            h(UiBaseModal, { open: open.value, title: 'Dialog', onClose: () => (open.value = false) }, { default: () => h('input') }),
          ]),
      ),
      { attachTo: document.body },
    );
    await nextTick();
    press('Escape');
    await nextTick();
    expect(open.value).toBe(false);
    expect((wrapper.find('[data-testid="header-panel"]').element as HTMLElement).style.display).not.toBe('none');
  });
});
