import path from 'node:path';
import { configOrExit } from '@oko/shared/server';
import Fastify from 'fastify';
import { loadConfig } from './config.js';
import { migrateEmbeddedStore, MigrationRefused, type MigrationReport } from './migration/index.js';

const USAGE = 'usage: npm run store:migrate -- --from <embedded store folder>';

/**
 * `npm run store:migrate -- --from ./data/store`: copies an embedded store (plugins.json with its
 * owners, publishers.json, reviews.json, stats.json, uploads/) into the PostgreSQL database of
 * OKO_STORE_DATABASE_URL and, with OKO_STORE_BLOB_URL, its packages into S3 (migration/). Safe to
 * run again: what is already there is skipped and listed. README: Moving an embedded store.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--from');
  const from = at >= 0 ? args[at + 1] : undefined;
  const unknown = args.filter((a, i) => i !== at && i !== at + 1);
  if (!from || from.startsWith('--') || unknown.length > 0) {
    console.error(`oko store migrate: ${unknown[0] ? `unknown argument ${unknown[0]}` : '--from is required'}; ${USAGE}`);
    process.exit(2);
  }
  const config = configOrExit('oko store migrate', () => loadConfig());
  // Warnings and errors of the target's repositories (JSON lines on stderr); the summary goes to stdout.
  const log = Fastify({ logger: { level: 'warn' } }).log;
  try {
    const report = await migrateEmbeddedStore(path.resolve(from), config, log);
    console.log(describe(report, path.resolve(from)));
  } catch (error) {
    if (!(error instanceof MigrationRefused)) throw error;
    console.error(`oko store migrate: refused: ${error.message}`);
    process.exit(1);
  }
}

function describe(report: MigrationReport, from: string): string {
  const lines = [`Migrated ${from} into PostgreSQL${report.packages.where === 's3' ? ' and S3' : ''}:`];
  const part = (label: string, { added, skipped }: MigrationReport['catalog']) => {
    lines.push(`  ${label}: ${added} added, ${skipped.length} already there (skipped)`);
    for (const why of skipped) lines.push(`    skipped ${why}`);
  };
  part('catalog entries', report.catalog);
  const { stored, where } = report.packages;
  lines.push(
    where === 's3'
      ? `  packages: ${stored} stored in S3, each read back and checked`
      : where === 'disk (copied)'
        ? `  packages: ${stored} upload folder(s) copied to OKO_STORE_STORAGE_PATH`
        : '  packages: the rows name the upload folders where they are (OKO_STORE_STORAGE_PATH is the --from folder)',
  );
  part('tokens', report.tokens);
  part('reviews', report.reviews);
  part('install counters (plugin names)', report.counters);
  lines.push(
    'Start the store with the same OKO_STORE_DATABASE_URL (and OKO_STORE_BLOB_URL), and the OKO_STORE_API_KEY the embedded store had ' +
      '(without it every replica is an open store, whatever tokens were copied), to serve it; the embedded folder is left as it was.',
  );
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error('oko store migrate: failed', error);
  process.exit(1);
});
