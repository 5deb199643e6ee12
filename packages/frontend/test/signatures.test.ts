import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrustedKey } from '@oko/shared';
import type { InstalledPlugin, StorePlugin } from '../src/api/types.js';
import InstalledPluginCard from '../src/components/plugin/InstalledPluginCard.vue';
import PluginRuntimeHeader from '../src/components/plugin/PluginRuntimeHeader.vue';
import TrustedKeysPanel from '../src/components/settings/TrustedKeysPanel.vue';
import StorePluginCard from '../src/components/store/StorePluginCard.vue';
import { toasts } from '../src/composables/toasts.js';
import { useTrustedKeys } from '../src/composables/trusted-keys.js';
import { json, stubFetch, type Handler } from './fetch-stub.js';
import { withRouterLinks } from './router-stub.js';

const NONE = { network: [], listen: false, env: [], read: [] };
const ACME: TrustedKey = {
  key_id: 'a1b2c3d4e5f60718',
  name: 'acme-release',
  source: 'settings',
  public_key: 'PEM',
  added_at: '2026-11-30T03:00:00Z',
};
const SHIPPED: TrustedKey = { key_id: '0011223344556677', name: 'oko-examples', source: 'folder', public_key: 'PEM' };

function resetTrust() {
  const trust = useTrustedKeys();
  trust.keys.value = null;
  trust.policy.value = null;
  trust.error.value = null;
  trust.loaded.value = false;
}

beforeEach(resetTrust);
afterEach(() => {
  vi.unstubAllGlobals();
  toasts.value = [];
  document.body.innerHTML = '';
});

function entry(extra: Partial<StorePlugin> = {}): StorePlugin {
  return {
    id: 'id_pad',
    name: 'pad',
    version: '1.0.0',
    description: 'A pad',
    tags: [],
    installed: false,
    installed_version: null,
    installed_state: null,
    update_available: false,
    permissions: NONE,
    ...extra,
  };
}

const trustAnswer = (keys: TrustedKey[], policy: 'warn' | 'require' | 'off') => () => json({ keys, policy });

async function storeCard(plugin: StorePlugin, keys: TrustedKey[], policy: 'warn' | 'require' | 'off' = 'warn') {
  stubFetch({ '/api/v1/trust/keys': trustAnswer(keys, policy) });
  await useTrustedKeys().refresh();
  const card = mount(StorePluginCard, { global: withRouterLinks, props: { plugin, storeAvailable: true }, attachTo: document.body });
  await flushPromises();
  return card;
}

const badgeOf = (wrapper: { find: (s: string) => { text(): string; attributes(n: string): string | undefined } }) => {
  const badge = wrapper.find('[data-testid="signature-badge"]');
  return { state: badge.attributes('data-signature'), text: badge.text() };
};

async function openInstallDialog(card: ReturnType<typeof mount>) {
  await card.find('[data-action="install"]').trigger('click');
  await flushPromises();
  return document.querySelector<HTMLElement>('[data-testid="signature-warning"]');
}

describe('store card signature badge', () => {
  it('a key id among the trusted keys shows "Verified" with the trusted name, the package signer only as self-declared', async () => {
    const card = await storeCard(entry({ signature: { key_id: ACME.key_id, signer: 'Impostor Ltd' } }), [ACME]);
    expect(badgeOf(card)).toMatchObject({ state: 'valid', text: expect.stringMatching(/^Verified: acme-release/) });
    expect(card.find('[data-testid="signature-badge"]').text()).not.toContain('Impostor');
    expect(card.find('[data-testid="self-declared-signer"]').text()).toBe(`Self-declared signer: Impostor Ltd · key ${ACME.key_id}`);
    expect(await openInstallDialog(card)).toBeNull();
  });

  it('an untrusted key is "Signed, not trusted" and the install dialog warns', async () => {
    const card = await storeCard(entry({ signature: { key_id: 'ffffffffffffffff', signer: 'acme-release' } }), [ACME]);
    expect(badgeOf(card)).toMatchObject({ state: 'untrusted', text: expect.stringMatching(/^Signed, not trusted/) });
    const warning = await openInstallDialog(card);
    expect(warning?.dataset.tone).toBe('warning');
    expect(warning?.textContent).toContain('does not trust');
  });

  it('an unsigned entry is "Unsigned"; under require the dialog says the install will be refused', async () => {
    const card = await storeCard(entry({ signature: null }), [ACME], 'require');
    expect(badgeOf(card)).toMatchObject({ state: 'unsigned', text: expect.stringMatching(/^Unsigned/) });
    expect(card.find('[data-testid="self-declared-signer"]').exists()).toBe(false);
    const warning = await openInstallDialog(card);
    expect(warning?.dataset.tone).toBe('error');
    expect(warning?.textContent).toContain('will be refused');
  });
});

function installed(signature: InstalledPlugin['signature'], extra: Partial<InstalledPlugin> = {}): InstalledPlugin {
  return {
    id: 'pad',
    name: 'pad',
    version: '1.0.0',
    description: 'A pad',
    state: 'active',
    scope: 'external',
    ui: { has_page: false, show_in_menu: false, api_prefix: 'pad', widgets: 0 },
    signature,
    ...extra,
  };
}
const mountCard = (p: InstalledPlugin) => mount(InstalledPluginCard, { props: { plugin: p }, global: { stubs: { RouterLink: true } } });
const mountHeader = (p: InstalledPlugin) => mount(PluginRuntimeHeader, { props: { plugin: p }, global: { stubs: { RouterLink: true } } });

describe('installed plugin signature states', () => {
  it('valid shows the trusted key name on the card and in the details header, never the signer', () => {
    const p = installed({ state: 'valid', key_name: 'acme-release', key_id: ACME.key_id, signer: 'Impostor Ltd' });
    for (const wrapper of [mountCard(p), mountHeader(p)]) {
      expect(badgeOf(wrapper)).toMatchObject({ state: 'valid', text: expect.stringMatching(/^Verified: acme-release/) });
      expect(wrapper.text()).not.toContain('Impostor');
    }
  });

  it('untrusted and unsigned are warnings in words; the header spells out why', () => {
    expect(badgeOf(mountCard(installed({ state: 'unsigned' })))).toMatchObject({
      state: 'unsigned',
      text: expect.stringMatching(/^Unsigned/),
    });
    const header = mountHeader(installed({ state: 'untrusted', key_id: 'ffffffffffffffff', signer: 'Mallory' }));
    expect(badgeOf(header).text).toMatch(/^Signed, not trusted/);
    expect(header.find('[data-testid="signature-note"]').text()).toContain('“Mallory” (self-declared)');
  });

  it('modified and invalid are errors with the reason, said once when the plugin error says the same', () => {
    const reason = 'modified since install: index.js';
    const error = { reason: `Plugin 'pad' is modified: ${reason}`, at: '2026-11-30T03:00:00Z' };
    const inError = mountCard(installed({ state: 'modified', reason }, { state: 'error', error }));
    expect(
      mountHeader(installed({ state: 'modified', reason }, { state: 'error', error }))
        .find('[data-testid="signature-note"]')
        .exists(),
    ).toBe(false);
    expect(badgeOf(inError).state).toBe('modified');
    expect(inError.find('[data-testid="plugin-error-reason"]').text()).toContain(reason);
    expect(inError.find('[data-testid="signature-reason"]').exists()).toBe(false);
    const invalid = mountCard(installed({ state: 'invalid', reason: 'signature names plugin other_pad' }, { state: 'disabled' }));
    expect(badgeOf(invalid)).toMatchObject({ state: 'invalid', text: expect.stringMatching(/^Invalid signature/) });
    expect(invalid.find('[data-testid="signature-reason"]').text()).toContain('signature names plugin other_pad');
  });

  it('a backend that sends no signature shows no badge', () => {
    expect(mountCard(installed(undefined)).find('[data-testid="signature-badge"]').exists()).toBe(false);
  });
});

describe('trusted keys in Settings', () => {
  function stubTrust(extra: Record<string, Handler> = {}) {
    let keys = [SHIPPED, ACME];
    const stub = stubFetch({
      '/api/v1/trust/keys': (init) => {
        if (init?.method === 'POST') {
          const body = JSON.parse(String(init.body)) as { name: string; public_key: string };
          if (!body.public_key.includes('BEGIN PUBLIC KEY'))
            return json(
              { error: { code: 'INVALID_PUBLIC_KEY', message: 'public_key is not an Ed25519 public key in SPKI PEM form' } },
              400,
            );
          const key: TrustedKey = { key_id: 'abcdefabcdefabcd', name: body.name, source: 'settings', public_key: body.public_key };
          keys = [...keys, key];
          return json(key, 201);
        }
        return json({ keys, policy: 'warn' });
      },
      '/api/v1/trust/keys/a1b2c3d4e5f60718': () => {
        keys = keys.filter((key) => key.key_id !== ACME.key_id);
        return new Response(null, { status: 204 });
      },
      ...extra,
    });
    return stub;
  }

  it('lists the keys with their source; a folder key names its file and has no remove button', async () => {
    stubTrust();
    const panel = mount(TrustedKeysPanel, { attachTo: document.body });
    await flushPromises();
    expect(panel.find('[data-testid="signature-policy"]').text()).toContain('Policy: warn');
    const folder = panel.find(`[data-key-id="${SHIPPED.key_id}"]`);
    expect(folder.text()).toContain('oko-examples.pem');
    expect(folder.text()).toContain('deleting that file');
    expect(folder.find('[data-action="remove-key"]').exists()).toBe(false);
    expect(panel.find(`[data-key-id="${ACME.key_id}"] [data-action="remove-key"]`).exists()).toBe(true);
  });

  it('adds a key, then shows the list the backend answers', async () => {
    const { fetchMock } = stubTrust();
    const panel = mount(TrustedKeysPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('input[name="name"]').setValue('team-key');
    await panel.find('textarea[name="public_key"]').setValue('-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n');
    await panel.find('form').trigger('submit');
    await flushPromises();
    const sent = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST')?.[1];
    expect(JSON.parse(String(sent?.body))).toEqual({
      name: 'team-key',
      public_key: '-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----',
    });
    expect(panel.find('[data-key-id="abcdefabcdefabcd"]').text()).toContain('team-key');
    expect((panel.find('input[name="name"]').element as HTMLInputElement).value).toBe('');
  });

  it("shows a refused key's error message from the one error shape", async () => {
    stubTrust();
    const panel = mount(TrustedKeysPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find('input[name="name"]').setValue('bad');
    await panel.find('textarea[name="public_key"]').setValue('not a key');
    await panel.find('form').trigger('submit');
    await flushPromises();
    expect(panel.find('[data-testid="add-key-error"]').text()).toBe('public_key is not an Ed25519 public key in SPKI PEM form');
    expect((panel.find('input[name="name"]').element as HTMLInputElement).value).toBe('bad');
  });

  it('removes a settings key only after the confirmation', async () => {
    const { calls } = stubTrust();
    const panel = mount(TrustedKeysPanel, { attachTo: document.body });
    await flushPromises();
    await panel.find(`[data-key-id="${ACME.key_id}"] [data-action="remove-key"]`).trigger('click');
    await flushPromises();
    expect(calls).not.toContain(`/api/v1/trust/keys/${ACME.key_id}`);
    document.querySelector<HTMLButtonElement>('[data-action="confirm-remove-key"]')!.click();
    await flushPromises();
    expect(calls).toContain(`/api/v1/trust/keys/${ACME.key_id}`);
    expect(panel.find(`[data-key-id="${ACME.key_id}"]`).exists()).toBe(false);
    expect(toasts.value.at(-1)).toMatchObject({ tone: 'success' });
  });
});

describe('store details page signature badge', () => {
  it('reads the trusted keys itself: opened by its URL, a verified plugin is "Verified", not "trust unknown"', async () => {
    const { default: StoreDetailsPage } = await import('../src/pages/StoreDetailsPage.vue');
    const { createMemoryHistory, createRouter } = await import('vue-router');
    const signed = entry({ signature: { key_id: SHIPPED.key_id, signer: 'OKO examples' } });
    stubFetch({ '/api/v1/trust/keys': trustAnswer([SHIPPED], 'warn'), '/api/v1/store/pad': () => json(signed) });
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/store/:name', component: StoreDetailsPage, props: true },
        { path: '/:any(.*)*', component: { template: '<p />' } },
      ],
    });
    await router.push('/store/pad');
    const page = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
    await flushPromises();
    const facts = page.find('[data-testid="store-facts"]');
    expect(badgeOf(facts)).toMatchObject({ state: 'valid', text: expect.stringMatching(/^Verified: oko-examples/) });
    page.unmount();
  });
});
