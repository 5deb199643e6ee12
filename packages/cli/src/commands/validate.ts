import { checkPlugin, invalidPlugin } from '../lib/check-plugin.js';
import type { Output } from '../lib/output.js';

/** `oko-plugin validate <dir|zip>`: every problem, one per line, as `file: field: message`. */
export async function validateCommand(target: string, out: Output): Promise<void> {
  const checked = await checkPlugin(target);
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
