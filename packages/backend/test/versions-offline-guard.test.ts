import { describe, expect, it } from 'vitest';
import { expectErrorAnswer } from '../../../test-support/errors.js';
import { post } from '../../../test-support/http.js';
import { b, publish, stopStore, summary, useVersionsSetup } from './versions-setup.js';

// With the store stopped, install and update read the package cache and the dependency checks
// have no entry to read first: the installed plugins' ranges still hold (versions-setup.ts).
useVersionsSetup();

describe('the package cache path keeps the dependency ranges', () => {
  it('refuses moving a dependency from the cache to a version a dependent refuses, with the store stopped', async () => {
    const base1 = await publish('offbase', '1.0.0');
    await publish('offbase', '2.0.0');
    await publish('offuser', '1.0.0', '', { dependencies: { offbase: '^2.0.0' } });
    expect((await post(`${b()}/store/${base1}/install`)).status).toBe(200);
    expect((await post(`${b()}/store/offbase/update`)).status).toBe(200);
    const user = await post(`${b()}/store/offuser/install`);
    expect(user.status, await user.clone().text()).toBe(200);
    await stopStore();

    const message = await expectErrorAnswer(
      await post(`${b()}/store/${base1}/update`, { allow_downgrade: true }),
      409,
      'DEPENDENCY_CONFLICT',
    );
    expect(message).toContain('offuser');
    expect((await summary('offbase')).version).toBe('2.0.0');

    // Reinstalled from the cache at 1.0.0 while the dependent is still installed: refused the same way.
    expect((await post(`${b()}/store/offbase/uninstall?force=true`)).status).toBe(200);
    await expectErrorAnswer(await post(`${b()}/store/${base1}/install`), 409, 'DEPENDENCY_CONFLICT');
    expect((await post(`${b()}/store/offbase/install`)).status).toBe(200);
    expect((await summary('offbase')).version).toBe('2.0.0');
  });
});
