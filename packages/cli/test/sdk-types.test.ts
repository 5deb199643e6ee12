import path from 'node:path';
import { expect, it } from 'vitest';
import { generateSdkTypes } from './sdk-types.js';

// The scaffold's copy of the SDK types must follow packages/shared/src/plugin-sdk.ts. After a change
// there, `npx vitest run packages/cli/test/sdk-types.test.ts -u` writes the file anew.
it('templates/oko-plugin.d.ts is the SDK types as packages/shared declares them today', async () => {
  await expect(await generateSdkTypes()).toMatchFileSnapshot(path.join(import.meta.dirname, '../templates/oko-plugin.d.ts'));
});
