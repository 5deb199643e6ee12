/**
 * Where in the plugin's own files `error` comes from, as `file:line:column` relative to the
 * plugin's folder: the first frame of its stack inside the folder (a syntax error's stack starts
 * with its `file:line`). What the author needs when a save breaks the load (README "Development plugins").
 */
export function locationOf(error: unknown, roots: readonly string[]): string | undefined {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  let first: { index: number; text: string } | undefined;
  for (const root of roots) {
    let from = 0;
    for (let index = stack.indexOf(root, from); index !== -1; index = stack.indexOf(root, from)) {
      from = index + root.length;
      const match = /^([^\s:()]+):(\d+)(?::(\d+))?/.exec(stack.slice(from));
      if (!match || match[1]!.split('/').includes('node_modules')) continue;
      if (!first || index < first.index)
        first = { index, text: `${decodeURIComponent(match[1]!)}:${match[2]}${match[3] ? `:${match[3]}` : ''}` };
      break;
    }
  }
  return first?.text;
}
