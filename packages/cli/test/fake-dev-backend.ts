import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevPluginPush, DevPluginStatus } from '@oko/shared';

/**
 * A stand-in for the backend's /api/v1/dev/plugins routes, as the contract in
 * packages/shared/src/api/dev.ts describes them: it records what the CLI sends and answers what a
 * test sets. The e2e test (e2e/dev-loop.test.ts) runs the CLI against the real backend.
 */
export interface FakeDevBackend {
  url: string;
  pushes: DevPluginPush[];
  renewals: number;
  deletes: string[];
  /** The plugin's files as the backend would hold them (replace, files, removed applied). */
  files: Map<string, string>;
  /** What the next pushes answer, given the push: a test changes it to refuse, fail or grant. */
  answer: (push: DevPluginPush) => Partial<DevPluginStatus> & { notFound?: boolean };
  /** Answer every request with this instead (status, code, message). */
  failWith?: { status: number; code: string; message: string };
  /** Renewals answer 404 DEV_PLUGIN_NOT_FOUND (the lease ran out). */
  forget: boolean;
  close: () => Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startFakeDevBackend(): Promise<FakeDevBackend> {
  let generation = 0;
  const streams = new Set<ServerResponse>();
  const fake: FakeDevBackend = {
    url: '',
    pushes: [],
    renewals: 0,
    deletes: [],
    files: new Map(),
    answer: () => ({}),
    forget: false,
    close: async () => {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const status = (name: string, extra: Partial<DevPluginStatus> = {}): DevPluginStatus => ({
    name,
    version: JSON.parse(fake.files.get('manifest.json') ?? '{"version":"0.0.0"}').version,
    state: 'active',
    generation,
    lease_expires_at: new Date(Date.now() + 30_000).toISOString(),
    ...extra,
  });
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (fake.failWith) return json(res, fake.failWith.status, { error: { code: fake.failWith.code, message: fake.failWith.message } });
    const match = /^\/api\/v1\/dev\/plugins\/([a-z0-9_]+)(\/lease|\/logs)?$/.exec(req.url ?? '');
    if (!match) return json(res, 404, { error: { code: 'NOT_FOUND', message: req.url } });
    const [, name, tail] = match as unknown as [string, string, string | undefined];
    if (req.method === 'PUT' && !tail) {
      const push = JSON.parse(Buffer.concat(chunks).toString()) as DevPluginPush;
      fake.pushes.push(push);
      const { notFound, ...extra } = fake.answer(push);
      if (notFound) return json(res, 404, { error: { code: 'DEV_PLUGIN_NOT_FOUND', message: `no development plugin ${name}` } });
      // As the backend does: a refused push's files become its last pushed tree, though not what runs.
      if (push.replace) fake.files.clear();
      for (const file of push.files) fake.files.set(file.path, Buffer.from(file.content_base64, 'base64').toString());
      for (const removed of push.removed ?? []) fake.files.delete(removed);
      if (extra.refused) return json(res, 200, status(name, extra));
      generation++;
      return json(res, generation === 1 || push.replace ? 201 : 200, status(name, { reload_ms: 12, ...extra }));
    }
    if (req.method === 'POST' && tail === '/lease') {
      fake.renewals++;
      if (fake.forget) return json(res, 404, { error: { code: 'DEV_PLUGIN_NOT_FOUND', message: `no development plugin ${name}` } });
      return json(res, 200, status(name));
    }
    if (req.method === 'GET' && tail === '/logs') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: log\ndata: ${JSON.stringify({ level: 'info', message: `${name} ready`, at: new Date().toISOString() })}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'DELETE' && !tail) {
      fake.deletes.push(name);
      return json(res, 200, { status: 'removed', name, message: `removed ${name}` });
    }
    json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method}` } });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
