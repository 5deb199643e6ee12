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
    out.result(`${target}: valid plugin ${m.name} ${m.version}`);
  } finally {
    await checked.cleanup();
  }
}
