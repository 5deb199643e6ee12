import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import type { RecordedRequest } from '../../../test-support/fake-store.js';
import { api, post } from '../../../test-support/http.js';
import { answering, push } from './dev-helpers.js';
import { fakeStoreSetup } from './fake-store-setup.js';

// A development plugin runs here, but nobody installed it from the store: a review in the
// dashboard's name of the store's plugin of that name would vouch for code this dashboard never ran.
const setup = fakeStoreSetup('store-reviews-dev');

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return true;
};

describe('reviews of a development plugin', () => {
  it('are refused with NOT_INSTALLED before the store is asked', async () => {
    const store = await setup.fakeStore([], {
      custom: (_req: RecordedRequest, parts: string[], res: ServerResponse) =>
        parts[2] === 'reviews' ? json(res, 201, { error: 'should not be asked' }) : false,
    });
    const { backend } = await setup.backendFor(store.url, 'dev-review');
    const pushed = await push(backend, 'dev_rated', answering('dev_rated', 'x'), { replace: true });
    expect(pushed.body).toMatchObject({ state: 'active' });
    const answer = await post(`${api(backend)}/store/dev_rated/reviews`, { rating: 1, body: 'spam' });
    expect(await expectErrorAnswer(answer, 404, 'NOT_INSTALLED')).toContain('development plugin');
    expect(store.requests.filter((r) => r.url.includes('/reviews'))).toEqual([]);
  });
});
