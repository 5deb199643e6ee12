import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A plugin's process may read this folder of the backend and nothing else, so what runs there
// imports only node: modules and files in this folder (type-only imports are erased at build).
const here = path.dirname(fileURLToPath(import.meta.url));

describe('the plugin runtime folder', () => {
  it('imports nothing at run time but node: modules and its own files', async () => {
    const files = (await readdir(here, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    expect(files).toContain('main.ts');
    for (const file of files) {
      const source = await readFile(path.join(here, file), 'utf8');
      const imports = [...source.matchAll(/^\s*import\s+(?!type\b)[^'"]*?['"]([^'"]+)['"]|import\(\s*['"`]([^'"`]+)['"`]/gm)];
      for (const [, from = '', dynamic = ''] of imports) {
        const target = from || dynamic;
        if (target.startsWith('node:')) continue;
        expect(target, `${file} imports ${target}`).toMatch(/^\.\//);
        expect(path.resolve(path.dirname(path.join(here, file)), target).startsWith(here + path.sep), `${file} imports ${target}`).toBe(
          true,
        );
      }
    }
  });
});
