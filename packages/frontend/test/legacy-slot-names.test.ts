// @vitest-environment node
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layout's old slot names are kept out by a lint rule (eslint.config.js); this checks the rule
// itself finds each form they can take. The names are assembled so this file does not hold them.
const root = path.resolve(import.meta.dirname, '../../..');
const old = (...parts: string[]) => parts.join('.');

async function legacyHits(file: string, text: string): Promise<number> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.message.startsWith('Legacy layout slot name')).length;
}

describe('legacy slot names lint rule', () => {
  it('finds them as slots, slot outlets and strings in a component', async () => {
    const text = [
      '<template>',
      `  <UiBlankLayout><template #${old('app', 'sidebar', 'mid')}>x</template><slot name="${old('page', 'canvas', 'main')}" /></UiBlankLayout>`,
      '</template>',
      '<script setup lang="ts">',
      `export const names = ['${old('app', 'header', 'tabs')}', \`${old('app', 'modals')}\`];`,
      '</script>',
    ].join('\n');
    expect(await legacyHits('packages/frontend/src/pages/LegacySample.vue', text)).toBe(4);
  });

  it('finds them in TypeScript anywhere in the repository', async () => {
    expect(await legacyHits('packages/backend/src/legacy-sample.ts', `export const slot = '${old('app', 'sidebar', 'top')}';\n`)).toBe(1);
  });

  it('leaves the current slot names alone', async () => {
    expect(
      await legacyHits(
        'packages/frontend/src/pages/Sample.vue',
        '<template><UiBlankLayout><template #sidebar-mid>x</template></UiBlankLayout></template>\n',
      ),
    ).toBe(0);
  });
});
