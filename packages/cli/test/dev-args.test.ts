import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBackend } from '../src/lib/config.js';
import { runCli } from './helpers.js';

// `oko-plugin dev`'s arguments and settings, refused before anything is sent.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'oko-dev-args-'));
  await writeFile(path.join(work, 'plugin.zip'), 'PK');
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('oko-plugin dev arguments', () => {
  it.each([
    [['dev', '--lease', '4'], /--lease: '4' must be whole seconds from 5 to 3600/],
    [['dev', '--lease', '2.5'], /--lease: '2.5' must be whole seconds/],
    [['dev', '--backend', 'ftp://host'], /--backend: 'ftp:\/\/host' must be an http or https URL/],
    [['dev', '--backend', 'not a url'], /--backend: 'not a url' is not a URL/],
    [['dev', 'a', 'b'], /dev takes 0 to 1 argument\(s\), got 2/],
    [['dev', 'missing'], /dev takes a plugin folder: missing is not one/],
    [['dev', 'plugin.zip'], /dev takes a plugin folder: plugin.zip is not one/],
  ])('refuses %j with exit code 1', async (args, message) => {
    const run = await runCli(args, { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});

describe('the backend dev sends to', () => {
  it('is the flag, else OKO_BACKEND_URL, else the local default, always ending in /api/v1', () => {
    expect(resolveBackend(undefined, undefined, {})).toEqual({ apiBase: 'http://127.0.0.1:8000/api/v1' });
    expect(resolveBackend(undefined, undefined, { OKO_BACKEND_URL: 'http://dash.lan:8000/', OKO_TOKEN: 't1' })).toEqual({
      apiBase: 'http://dash.lan:8000/api/v1',
      token: 't1',
    });
    expect(resolveBackend('https://dash.example.com/api/v1', 't2', { OKO_BACKEND_URL: 'http://x', OKO_TOKEN: 't1' })).toEqual({
      apiBase: 'https://dash.example.com/api/v1',
      token: 't2',
    });
  });
});
