import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { request } from '../../../test-support/http.js';
import { buildTestStore, json, type TestStore } from './helpers.js';
import { pluginFiles, startFakeGithub, type FakeGithub } from './fake-github.js';

// A GitHub import keeps the repository's folder on disk, but its package leaves out node_modules/
// and test/ (excludedFromPackage): README images come from the package, not from what was left out.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let github: FakeGithub;
let store: TestStore;
let id: string;

beforeAll(async () => {
  github = await startFakeGithub({
    'octo/pictures': {
      main: [
        ...pluginFiles('gh_pictures', '1.0.0'),
        { name: 'README.md', content: '![shot](docs/shot.png)' },
        { name: 'docs/shot.png', content: PNG },
        { name: 'test/private-fixture.png', content: PNG },
        { name: 'node_modules/dep/logo.png', content: PNG },
        { name: 'docs/node_modules/deep.png', content: PNG },
      ],
    },
  });
  store = await buildTestStore({
    env: { OKO_STORE_GITHUB_API_URL: github.apiUrl, OKO_STORE_GITHUB_ALLOW_PRIVATE: 'true' },
  });
  const res = await request(`${store.api}/plugins/upload/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ repo_url: `${github.apiUrl}/octo/pictures` }),
  });
  expect(res.status).toBe(201);
  id = (await json(res)).plugin_id;
});
afterAll(async () => {
  await store?.close();
  await github?.close();
});

describe('README images of a GitHub import', () => {
  it('serves an image of the package', async () => {
    expect((await request(`${store.api}/plugins/${id}/assets/docs/shot.png`)).status).toBe(200);
  });

  it.each(['test/private-fixture.png', 'node_modules/dep/logo.png', 'docs/node_modules/deep.png'])(
    'answers 404 NOT_FOUND for %s, which the package leaves out',
    async (file) => {
      await expectErrorAnswer(await request(`${store.api}/plugins/${id}/assets/${file}`), 404, 'NOT_FOUND');
    },
  );
});
