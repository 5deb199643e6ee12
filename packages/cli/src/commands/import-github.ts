import type { StoreTarget } from '../lib/config.js';
import type { Output } from '../lib/output.js';
import { importFromGithub } from '../lib/store-api.js';

/** `oko-plugin import-github <repo_url>`: the store downloads and checks the repository itself. */
export async function importGithubCommand(
  repoUrl: string,
  options: { branch?: string; subdirectory?: string },
  store: StoreTarget,
  out: Output,
): Promise<void> {
  const where = [options.branch && `branch ${options.branch}`, options.subdirectory && `folder ${options.subdirectory}`]
    .filter(Boolean)
    .join(', ');
  out.info(`asking ${store.apiBase} to import ${repoUrl}${where ? ` (${where})` : ''}…`);
  const answer = await importFromGithub(store, { repo_url: repoUrl, branch: options.branch, subdirectory: options.subdirectory });
  const plugin = answer.plugin ? `${answer.plugin.name} ${answer.plugin.version}` : 'plugin';
  out.info(`imported ${plugin} as ${answer.plugin_id}`);
  out.result(answer.plugin_id);
}
