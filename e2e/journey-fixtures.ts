import { expect } from 'vitest';
import { api, post, uploadZip } from '../test-support/http.js';
import type { PluginFixture } from '../test-support/fixtures.js';
import type { RunningService } from '../test-support/service.js';
import { fixtureZip, LAN_WATCH, uniqueFixture, type FixtureTemplate } from './ui-fixtures.js';

// Plugins and steps for e2e/journey.test.ts.

/** LAN_WATCH's page and routes under another title, but its setup throws: loading it ends in error. */
export const FAILING_PAGE: FixtureTemplate = {
  base: 'failing_page',
  build: (name, mark) => {
    const lan = LAN_WATCH.build(name, mark);
    const setup = "export async function setup() { throw new Error('sensor bus not found'); }\n";
    const ui = String(lan.files!['ui.yaml']).replace('page_title: LAN watch', 'page_title: Sensor board');
    return {
      ...lan,
      description: `A page whose plugin fails to start (${mark}).`,
      files: { ...lan.files, 'ui.yaml': ui, 'index.js': setup },
    };
  },
};

/** Uploads a fresh copy of `template` to the store; answers it with its catalog id. */
export async function publishTo(
  store: RunningService,
  template: FixtureTemplate,
): Promise<PluginFixture & { mark: string; storeId: string }> {
  const fixture = uniqueFixture(template);
  const res = await uploadZip(`${api(store)}/plugins/upload/zip`, await fixtureZip(fixture), { filename: `${fixture.name}.zip` });
  expect(res.status, await res.clone().text()).toBe(201);
  return { ...fixture, storeId: ((await res.json()) as { plugin_id: string }).plugin_id };
}

/** Published and installed through the backend's API: state discovered. */
export async function installInto(store: RunningService, backend: RunningService, template: FixtureTemplate) {
  const fixture = await publishTo(store, template);
  const res = await post(`${api(backend)}/store/${fixture.storeId}/install`);
  expect(res.status, await res.clone().text()).toBe(200);
  return fixture;
}
