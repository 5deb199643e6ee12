import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const FILE = 'docker-compose.scale.yml';

interface ComposeService {
  image?: string;
  build?: { dockerfile?: string };
  environment?: Record<string, string> | string[];
  volumes?: Array<string | { source?: string; target?: string }>;
  depends_on?: Record<string, { condition?: string }>;
  ports?: Array<string | { published?: string | number; target?: number }>;
  command?: string | string[];
}
type Services = Record<string, ComposeService>;

/**
 * docker-compose.scale.yml as Docker reads it when a compose client is there (`docker compose
 * config`, no engine needed), else as YAML with its `<<` merges resolved, as Compose resolves them.
 */
async function loadCompose(): Promise<{ via: string; services: Services }> {
  const env = { ...process.env, OKO_STORE_API_KEY: '', OKO_PG_PASSWORD: '', OKO_MINIO_USER: '', OKO_MINIO_PASSWORD: '' };
  try {
    const { stdout } = await run('docker', ['compose', '-f', FILE, 'config', '--format', 'json'], { cwd: root, env });
    return { via: 'docker compose config', services: (JSON.parse(stdout) as { services: Services }).services };
  } catch {
    // No compose client here: the YAML itself.
  }
  const model = parseYaml(readFileSync(path.join(root, FILE), 'utf8'), { merge: true }) as { services: Services };
  return { via: 'yaml', services: model.services };
}

/** Environment with Compose's ${VAR:-default} as the default, as on a machine whose shell sets none of them. */
function env(service: ComposeService): Record<string, string> {
  const raw = Array.isArray(service.environment)
    ? Object.fromEntries(service.environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]))
    : (service.environment ?? {});
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));
}

const nginx = readFileSync(path.join(root, 'docker/nginx-scale.conf'), 'utf8');

describe(FILE, async () => {
  const { via, services } = await loadCompose();
  const replicas = Object.keys(services).filter((name) => /^store-\d+$/.test(name));

  it(`has PostgreSQL, MinIO with its bucket job, two store replicas, the proxy and the backend (read via ${via})`, () => {
    expect(Object.keys(services).sort()).toEqual(['backend', 'minio', 'minio-bucket', 'postgres', 'proxy', 'store-1', 'store-2']);
    for (const name of replicas) expect(services[name]!.build?.dockerfile).toBe('docker/Dockerfile.plugin-store');
  });

  it('gives every replica the same database and bucket, and a config the store itself accepts', () => {
    const [first, ...rest] = replicas.map((name) => env(services[name]!));
    for (const other of rest) {
      for (const key of ['OKO_STORE_DATABASE_URL', 'OKO_STORE_BLOB_URL', 'OKO_STORE_S3_ENDPOINT', 'AWS_ACCESS_KEY_ID']) {
        expect(other[key]).toBe(first![key]);
      }
    }
    const config = loadConfig(first!);
    expect(new URL(config.database!.url).host).toBe('postgres:5432');
    expect(config.blobs).toEqual({ bucket: 'oko-packages', prefix: 'store', endpoint: 'http://minio:9000', timeoutMs: 30_000 });
  });

  it("pins every image it pulls to a tag that names one release: none is latest or untagged, and MinIO's are RELEASE.* tags", () => {
    const pulled = Object.entries(services).filter(([, service]) => service.image !== undefined && service.build === undefined);
    expect(pulled.map(([name]) => name).sort()).toEqual(['minio', 'minio-bucket', 'postgres', 'proxy']);
    for (const [name, { image }] of pulled) {
      const tag = /^[^:@]+(?::([^:@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(image!)?.[1];
      expect(tag, `${name}: ${image}`).toBeDefined();
      expect(tag, `${name}: ${image}`).not.toBe('latest');
    }
    for (const name of ['minio', 'minio-bucket']) {
      expect(services[name]!.image).toMatch(/^minio\/(minio|mc):RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    }
  });

  it('wires the credentials once: the database user and password, MinIO keys and the bucket job agree', () => {
    const store = env(services['store-1']!);
    const pg = env(services.postgres!);
    const db = new URL(store.OKO_STORE_DATABASE_URL!);
    expect([db.username, decodeURIComponent(db.password), db.pathname]).toEqual([
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      `/${pg.POSTGRES_DB}`,
    ]);
    expect([store.AWS_ACCESS_KEY_ID, store.AWS_SECRET_ACCESS_KEY]).toEqual([
      env(services.minio!).MINIO_ROOT_USER,
      env(services.minio!).MINIO_ROOT_PASSWORD,
    ]);
    const job = services['minio-bucket']!;
    expect([job.command].flat().join(' ')).toContain(`oko/${loadConfig(store).blobs!.bucket}`);
    expect(job.depends_on?.minio?.condition).toBe('service_healthy');
  });

  it('starts replicas after PostgreSQL is healthy and the bucket exists, keeps each one scratch volume of its own', () => {
    const scratch = replicas.map((name) => {
      const service = services[name]!;
      expect(service.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(service.depends_on?.['minio-bucket']?.condition).toBe('service_completed_successfully');
      const volume = service.volumes?.[0];
      return typeof volume === 'string' ? volume.split(':')[0] : volume?.source;
    });
    expect(new Set(scratch).size).toBe(replicas.length);
  });

  it('seeds the examples from one replica only', () => {
    expect(replicas.filter((name) => env(services[name]!).OKO_STORE_SEED !== 'false')).toEqual(['store-1']);
  });

  it('puts every replica behind the proxy, round-robin, and points the backend at the proxy', () => {
    const upstream = /upstream oko_store \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/server ([\w-]+):(\d+)/g)].map((m) => m[1]);
    expect(servers.sort()).toEqual(replicas.sort());
    // No balancing directive: nginx's default, round-robin.
    expect(upstream).not.toMatch(/ip_hash|hash |least_conn|random/);
    expect(nginx).toMatch(/proxy_pass http:\/\/oko_store;/);
    // $host drops the port, and a browser without Sec-Fetch-Site then fails the store's Origin-vs-Host check.
    expect(nginx).toMatch(/proxy_set_header Host \$http_host;/);
    expect(services.proxy!.volumes?.map((v) => (typeof v === 'string' ? v : v.source))).toContainEqual(
      expect.stringContaining('docker/nginx-scale.conf'),
    );
    for (const name of replicas) expect(services.proxy!.depends_on?.[name]?.condition).toBe('service_healthy');
    expect(env(services.backend!).OKO_STORE_URL).toBe('http://proxy:8001/api/v1');
  });

  it('lets a package as large as the store accepts through the proxy, streamed', () => {
    const maxMb = Number(env(services['store-1']!).OKO_STORE_MAX_PLUGIN_SIZE_MB);
    const proxyMb = Number(/client_max_body_size (\d+)m;/.exec(nginx)?.[1]);
    expect(proxyMb).toBeGreaterThan(maxMb);
    expect(nginx).toMatch(/proxy_request_buffering off;/);
  });
});
