import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test-support/fixtures.js';
import { api } from '../../../test-support/http.js';
import { buildTestStore } from '../../../test-support/store-app.js';
import { examplesDir, runCli, validPlugin, writeTree } from './helpers.js';

let work: string;
beforeAll(async () => {
  work = await tempDir('cli-permissions');
});
afterAll(async () => {
  await removeDir(work);
});

describe('oko-plugin validate and permissions', () => {
  it('accepts ui.yaml required_permissions with a deprecation warning, not an error', async () => {
    const dir = await writeTree(path.join(work, 'legacy'), {
      ...validPlugin('legacy_plugin'),
      'ui.yaml': 'required_permissions: [network.outbound]\n',
    });
    const run = await runCli(['validate', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: ui.yaml: required_permissions: deprecated');
    expect(run.stdout).toContain('valid plugin legacy_plugin 1.2.3');
  });

  it('says what the plugin asks for and which path names an installed plugin must not hold', async () => {
    const run = await runCli(['validate', path.join(examplesDir, 'http_probe')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('permissions (granted at install): Connect to any host on any port');
    expect(run.stderr).toContain('path names: http_probe, http-probe');
    expect(run.stderr).not.toContain('warning');
  });

  it('refuses a port out of range and an entry listed twice', async () => {
    const files = validPlugin('bad_ports');
    const manifest = {
      ...JSON.parse(files['manifest.json']),
      permissions: { network: ['a.example.com:0', 'b.example.com:70000'], env: ['A', 'A'] },
    };
    const dir = await writeTree(path.join(work, 'bad_ports'), { ...files, 'manifest.json': JSON.stringify(manifest) });
    const run = await runCli(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('manifest.json: permissions.network.0: port 0 is not in 1..65535');
    expect(run.stderr).toContain('manifest.json: permissions.network.1: port 70000 is not in 1..65535');
    expect(run.stderr).toContain("manifest.json: permissions.env.1: 'A' is listed twice");
  });

  it('publish prints the warnings the store answers', async () => {
    const store = await buildTestStore();
    try {
      const dir = await writeTree(path.join(work, 'legacy_pub'), {
        ...validPlugin('legacy_pub'),
        'ui.yaml': 'required_permissions: [x]\n',
      });
      const run = await runCli(['publish', dir, '--store', api(store)]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('warning: ui.yaml: required_permissions: deprecated');
    } finally {
      await store.close();
    }
  });
});
