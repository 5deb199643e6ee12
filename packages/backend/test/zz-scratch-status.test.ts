import type { ServerResponse } from 'node:http';
import http from 'node:http';
import { describe, it } from 'vitest';
import type { RecordedRequest } from '../../../test-support/fake-store.js';
import { fakeStoreSetup } from './fake-store-setup.js';

const setup = fakeStoreSetup('probe-status');
const log = (...a: unknown[]) => console.log('PROBE', ...a.map((x) => String(typeof x === 'string' ? x : JSON.stringify(x)).slice(0, 300)));

describe('status pass-through', () => {
  it('3xx and odd statuses', async () => {
    const store = await setup.fakeStore([], {
      custom: (_req: RecordedRequest, parts: string[], res: ServerResponse) => {
        const status = Number(parts[1]!.replace('s', ''));
        res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="x"' }).end(status === 304 ? undefined : JSON.stringify({ error: { code: 'NOT_FOUND', message: 'odd' } }));
        return true;
      },
    });
    const { backend } = await setup.backendFor(store.url, 'status');
    for (const s of ['s300', 's304', 's305', 's399', 's407', 's401', 's418', 's599', 's600']) {
      for (const sub of ['readme', 'reviews', '', 'versions']) {
        const u = new URL(backend.url);
        const r = await new Promise<any>((resolve) => {
          const req = http.request({ host: u.hostname, port: u.port, path: `/api/v1/store/${s}${sub ? '/' + sub : ''}` }, (res) => {
            let b = '';
            res.on('data', (c) => (b += c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: b }));
          });
          req.on('error', (e) => resolve({ status: 'ERR ' + e.message }));
          req.end();
        });
        log(s, sub, r.status, r.headers?.['www-authenticate'], r.body?.slice?.(0, 120));
      }
    }
  });
});
