import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildRawZip, manifestText, type RawZipEntry } from '../../../test-support/raw-zip.js';

/** One repository of the fake: branch -> files (paths inside the repository). */
export type FakeRepo = Record<string, RawZipEntry[]>;

export interface FakeGithub {
  apiUrl: string;
  codeloadUrl: string;
  /** The repositories it serves, the object it was started with: a test changes a branch's files to make a new commit. */
  repos: Record<string, FakeRepo>;
  /** Authorization header of every request, per server. */
  seen: { api: (string | undefined)[]; codeload: (string | undefined)[] };
  /** API requests being answered now, and the most at once: several replicas' scheduled rounds must never overlap. */
  busy: { now: number; max: number };
  /** Holds every API answer until the returned function is called (a slow GitHub, for races). */
  hold: () => () => void;
  close: () => Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Behaves like api.github.com for zipballs: GET /repos/{owner}/{repo}/zipball[/{ref}] answers 302
 * to a codeload-like host (another port, so another host), 404 for a missing repository or
 * branch. The archive wraps the repository in one {owner}-{repo}-{sha}/ folder, as GitHub does.
 * Repository "evil" redirects to a host that is not allowed, "downgrade" to an allowed host with
 * another scheme than the API's, "stall" answers 200 and sends part of its body, then nothing more.
 */
export async function startFakeGithub(repos: Record<string, FakeRepo>): Promise<FakeGithub> {
  const seen = { api: [] as (string | undefined)[], codeload: [] as (string | undefined)[] };
  const codeload = http.createServer((req, res) => {
    seen.codeload.push(req.headers.authorization);
    const match = /^\/([^/]+)\/([^/]+)\/legacy\.zip\/(.+)$/.exec(req.url ?? '');
    const files = match ? repos[`${match[1]}/${match[2]}`]?.[decodeURIComponent(match[3]!)] : undefined;
    if (!match || !files) {
      res.writeHead(404).end();
      return;
    }
    const top = `${match[1]}-${match[2]}-0123abc/`;
    const zip = buildRawZip([{ name: top, method: 0 }, ...files.map((f) => ({ ...f, name: top + f.name }))]);
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length }).end(zip);
  });
  const codeloadUrl = await listen(codeload);
  const codeloadPort = new URL(codeloadUrl).port;

  let held: Promise<void> | null = null;
  const busy = { now: 0, max: 0 };
  const api = http.createServer(async (req, res) => {
    seen.api.push(req.headers.authorization);
    busy.max = Math.max(busy.max, ++busy.now);
    res.once('close', () => busy.now--);
    if (held) await held;
    const match = /^\/repos\/([^/]+)\/([^/]+)\/zipball(?:\/(.+))?$/.exec(req.url ?? '');
    const repoName = match ? `${match[1]}/${match[2]}` : '';
    const repo = repos[repoName];
    const ref = match?.[3] ? decodeURIComponent(match[3]) : 'main';
    if (match?.[2] === 'evil') {
      res.writeHead(302, { location: `http://localhost:${codeloadPort}/${repoName}/legacy.zip/main` }).end();
      return;
    }
    if (match?.[2] === 'stall') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': 1000 });
      res.write(Buffer.alloc(100));
      return;
    }
    if (match?.[2] === 'downgrade') {
      // An allowed host (the API host, another port) but another scheme than the API's.
      res.writeHead(302, { location: `https://127.0.0.1:${codeloadPort}/${repoName}/legacy.zip/main` }).end();
      return;
    }
    if (!repo || !repo[ref]) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    res.writeHead(302, { location: `${codeloadUrl}/${repoName}/legacy.zip/${encodeURIComponent(ref)}` }).end();
  });
  const apiUrl = await listen(api);
  return {
    apiUrl,
    codeloadUrl,
    repos,
    seen,
    busy,
    hold: () => {
      let release = () => {};
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    close: async () => {
      api.closeAllConnections();
      await new Promise((r) => api.close(r));
      await new Promise((r) => codeload.close(r));
    },
  };
}

export function pluginFiles(name: string, version: string): RawZipEntry[] {
  return [
    { name: 'manifest.json', content: manifestText(name, version) },
    { name: 'index.js', content: 'export async function setup() {}' },
  ];
}
