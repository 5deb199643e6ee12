import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

interface ComposeService {
  build?: { context?: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  volumes?: Array<string | { source?: string; target?: string }>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
}
interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * The compose file as Docker reads it when a compose client is installed (`docker compose`, else
 * the older `docker-compose`), otherwise as plain YAML. No Docker engine is needed for either.
 */
async function loadCompose(): Promise<{ via: string; model: ComposeModel }> {
  const attempts: Array<[string, string[], 'json' | 'yaml']> = [
    ['docker', ['compose', 'config', '--format', 'json'], 'json'],
    ['docker-compose', ['config'], 'yaml'],
  ];
  for (const [command, args, format] of attempts) {
    try {
      const { stdout } = await run(command, args, { cwd: root, env: { ...process.env, OKO_STORE_API_KEY: '' } });
      return { via: `${command} ${args.join(' ')}`, model: format === 'json' ? JSON.parse(stdout) : parseYaml(stdout) };
    } catch {
      // That client is not installed (or not the compose plugin): try the next way.
    }
  }
  return { via: 'yaml', model: parseYaml(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) };
}

const volumeSources = (service: ComposeService) => (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
const volumeTargets = (service: ComposeService) => (service.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
const env = (service: ComposeService): Record<string, string> =>
  Array.isArray(service.environment)
    ? Object.fromEntries(service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]))
    : (service.environment ?? {});

describe('docker-compose.yml', async () => {
  const { via, model } = await loadCompose();

  it(`has the backend and the store, each built from its Dockerfile (read via ${via})`, () => {
    expect(Object.keys(model.services).sort()).toEqual(['backend', 'store']);
    expect(model.services.backend!.build?.dockerfile).toBe('docker/Dockerfile.backend');
    expect(model.services.store!.build?.dockerfile).toBe('docker/Dockerfile.plugin-store');
  });

  it('checks the store health on /api/v1/health', () => {
    const test = model.services.store!.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain('/api/v1/health');
  });

  it('starts the backend only once the store is healthy', () => {
    const dependsOn = model.services.backend!.depends_on as Record<string, { condition?: string }>;
    expect(dependsOn.store?.condition).toBe('service_healthy');
  });

  it('keeps installed plugins and the store catalog in the named volumes', () => {
    expect(Object.keys(model.volumes ?? {})).toEqual(expect.arrayContaining(['oko-plugins-data', 'oko-plugin-store-data']));
    const backend = model.services.backend!;
    const store = model.services.store!;
    expect(volumeSources(backend)).toContain('oko-plugins-data');
    expect(volumeTargets(backend)[volumeSources(backend).indexOf('oko-plugins-data')]).toBe(env(backend).OKO_PLUGINS_DIR);
    expect(volumeSources(store)).toContain('oko-plugin-store-data');
    expect(volumeTargets(store)[volumeSources(store).indexOf('oko-plugin-store-data')]).toBe(env(store).OKO_STORE_STORAGE_PATH);
  });

  it('points the backend at the store by its service name', () => {
    expect(env(model.services.backend!).OKO_STORE_URL).toBe('http://store:8001/api/v1');
    expect(Object.keys(env(model.services.store!))).toEqual(
      expect.arrayContaining([
        'OKO_STORE_STORAGE_PATH',
        'OKO_STORE_MAX_PLUGIN_SIZE_MB',
        'OKO_STORE_DEBUG',
        'OKO_STORE_API_KEY',
        'GITHUB_TOKEN',
      ]),
    );
  });
});

describe('Dockerfiles', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const cases = [
    { file: 'docker/Dockerfile.backend', startScript: 'start:backend' },
    { file: 'docker/Dockerfile.plugin-store', startScript: 'start:store' },
  ];

  it.each(cases)('$file builds with the root build script and runs what it builds', ({ file, startScript }) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const runs = [...text.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!.trim());
    expect(runs).toContain('npm ci && npm run build');
    expect(pkg.scripts.build).toBeTruthy();

    // Every folder the root build compiles is copied into the image before the build runs.
    const copied = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const source of copied) expect(existsSync(path.join(root, source)), `${file} copies ${source}`).toBe(true);
    const built = [...(pkg.scripts.build ?? '').matchAll(/packages\/[a-z-]+/g)].map((m) => m[0]);
    expect(built.length).toBeGreaterThan(0);
    for (const folder of built)
      expect(
        copied.some((source) => folder === source || folder.startsWith(`${source}/`)),
        `${folder} is copied`,
      ).toBe(true);

    // The container starts the same entry file the root start script runs after `npm run build`.
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(text)![1]!) as string[];
    const entry = cmd.at(-1)!;
    expect(pkg.scripts[startScript]).toContain(`node ${entry}`);
  });

  it.each(cases)('$file builds and runs on Node 24 (Node 20 is out of support, and the AWS SDK leaves it)', ({ file }) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const bases = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:24-/);
  });
});
