import { describePermission, formatIssue, permissionLabels, pluginPathNames } from '@oko/shared';
import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import type { Invocation } from '../lib/invocation.js';

/** `oko-plugin validate <dir|zip>`: every problem, one per line, as `file: field: message`. */
export async function validateCommand(target: string, { cwd, out }: Invocation): Promise<void> {
  const checked = await checkPlugin(target, cwd);
  try {
    if (checked.issues.length > 0) {
      throw invalidPlugin(target, checked.issues);
    }
    const m = checked.manifest!;
    for (const warning of checked.warnings) out.info(`warning: ${formatIssue(warning)}`);
    out.result(`${target}: valid plugin ${m.name} ${m.version}`);
    const asks = permissionLabels(m.permissions).map(describePermission);
    out.info(asks.length > 0 ? `permissions (granted at install): ${asks.join('; ')}` : 'permissions: none');
    // The CLI cannot see a dashboard's plugins: it names what an installed plugin must not already hold.
    const names = [...pluginPathNames(m.name, checked.ui)].join(', ');
    out.info(
      `path names: ${names} (a dashboard refuses the install if another installed plugin has one of them as its name or API prefix)`,
    );
  } finally {
    await checked.cleanup();
  }
}
