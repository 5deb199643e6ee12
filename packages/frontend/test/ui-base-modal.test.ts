import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import UiBaseModal from '../src/layout/UiBaseModal.vue';

function press(target: Element, key: string, shiftKey = false) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }));
}

const Host = defineComponent({
  props: { busy: { type: Boolean, default: false } },
  setup(props) {
    const open = ref(false);
    const closed = ref(0);
    const onClose = () => {
      open.value = false;
      closed.value += 1;
    };
    return () =>
      h('div', { class: 'host-root' }, [
        h('button', { class: 'opener', onClick: () => (open.value = true) }, 'Open'),
        h(
          UiBaseModal,
          { open: open.value, title: 'Confirm', busy: props.busy, onClose },
          {
            default: () => [h('input', { class: 'first-input' }), h('a', { href: '#x', class: 'middle-link' }, 'link')],
            footer: () => h('button', { class: 'last-button' }, 'OK'),
          },
        ),
        h('span', { class: 'closed-count' }, String(closed.value)),
      ]);
  },
});

describe('UiBaseModal', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('renders into body, outside the component root, as a labelled modal dialog', async () => {
    const wrapper = mount(Host, { attachTo: document.body });
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    const dialog = document.querySelector('[role="dialog"]')!;
    expect(dialog).not.toBeNull();
    expect(wrapper.element.contains(dialog)).toBe(false);
    expect(dialog.closest('.host-root')).toBeNull();
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    const labelId = dialog.getAttribute('aria-labelledby')!;
    expect(document.getElementById(labelId)?.textContent).toBe('Confirm');
    wrapper.unmount();
  });

  it('moves focus into the dialog and keeps Tab and Shift+Tab inside it', async () => {
    const wrapper = mount(Host, { attachTo: document.body });
    const opener = wrapper.find('.opener').element as HTMLButtonElement;
    opener.focus();
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    await nextTick();
    const dialog = document.querySelector('[role="dialog"]')!;
    const close = dialog.querySelector<HTMLElement>('.modal-close')!;
    const last = dialog.querySelector<HTMLElement>('.last-button')!;
    // The first field, not the header's close button: the dialog is there to be filled in.
    expect(document.activeElement).toBe(dialog.querySelector('.first-input'));

    last.focus();
    press(last, 'Tab');
    expect(document.activeElement).toBe(close);

    press(close, 'Tab', true);
    expect(document.activeElement).toBe(last);
    wrapper.unmount();
  });

  it('closes on Escape and gives focus back to the opener', async () => {
    const wrapper = mount(Host, { attachTo: document.body });
    const opener = wrapper.find('.opener').element as HTMLButtonElement;
    opener.focus();
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    await nextTick();
    press(document.activeElement!, 'Escape');
    await nextTick();
    await nextTick();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(wrapper.find('.closed-count').text()).toBe('1');
    expect(document.activeElement).toBe(opener);
    wrapper.unmount();
  });

  it('gives focus back to an opener that dropped it (disabled while it prepared the dialog)', async () => {
    const wrapper = mount(Host, { attachTo: document.body });
    const opener = wrapper.find('.opener').element as HTMLButtonElement;
    opener.focus();
    // A button disabled while it prepares (Install reads the entry first) loses focus to <body>.
    opener.blur();
    expect(document.activeElement).toBe(document.body);
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    await nextTick();
    press(document.activeElement!, 'Escape');
    await nextTick();
    await nextTick();
    expect(document.activeElement).toBe(opener);
    wrapper.unmount();
  });

  it('still answers Escape and Tab when focus fell out of the dialog to body', async () => {
    const wrapper = mount(Host, { attachTo: document.body });
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    await nextTick();
    (document.activeElement as HTMLElement).blur();
    expect(document.activeElement).toBe(document.body);
    press(document.body, 'Tab');
    expect(document.querySelector('[role="dialog"]')!.contains(document.activeElement)).toBe(true);
    (document.activeElement as HTMLElement).blur();
    press(document.body, 'Escape');
    await nextTick();
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    wrapper.unmount();
  });

  it('ignores Escape while busy', async () => {
    const wrapper = mount(Host, { attachTo: document.body, props: { busy: true } });
    await wrapper.find('.opener').trigger('click');
    await nextTick();
    press(document.querySelector('[role="dialog"]')!, 'Escape');
    await nextTick();
    expect(document.querySelector('[role="dialog"]')).not.toBeNull();
    expect(wrapper.find('.closed-count').text()).toBe('0');
    wrapper.unmount();
  });
});
