import { configOrExit } from '@oko/shared/server';
import { loadConfig } from './config.js';
import { recoverCatalog, type RecoveryReport } from './services/catalog-recovery.js';

/**
 * `npm run store:recover [-- --dry-run]`: rebuilds plugins.json under OKO_STORE_STORAGE_PATH from
 * the upload folders (services/catalog-recovery.ts). Run it with the store stopped, or while the
 * store is read-only, then start the store.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) {
    console.error(`oko store recover: unknown argument ${unknown[0]}; usage: store:recover [--dry-run]`);
    process.exit(2);
  }
  const dryRun = args.includes('--dry-run');
  const config = configOrExit('oko store recover', () => loadConfig());
  const report = await recoverCatalog(config.storagePath, { dryRun });
  console.log(describe(report, config.storagePath, dryRun));
}

function describe(report: RecoveryReport, storagePath: string, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'Would rebuild' : 'Rebuilt'} ${storagePath}/plugins.json (it was ${report.catalog}): ${report.total} entr${report.total === 1 ? 'y' : 'ies'}`,
    `  ${report.fromCatalog} kept from plugins.json, ${report.fromEntryRecords} from upload folders' entry records, ${report.rebuilt.length} made from package files (new id)`,
  ];
  for (const r of report.rebuilt) lines.push(`  made from files: ${r.dir} -> ${r.name} ${r.version} (id ${r.id})`);
  for (const s of report.skipped) lines.push(`  skipped ${s.dir}: ${s.reason}`);
  if (report.keptAs) lines.push(`  the old plugins.json is kept as ${report.keptAs}`);
  lines.push(dryRun ? 'Nothing was written (--dry-run).' : 'Start the store again to serve it.');
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error('oko store recover: failed', error);
  process.exit(1);
});
