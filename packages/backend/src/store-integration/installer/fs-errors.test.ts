import { describe, expect, it } from 'vitest';
import { mapFsError } from './fs-errors.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('mapFsError', () => {
  it('maps a full disk to INSUFFICIENT_STORAGE 507', () => {
    expect(mapFsError(errno('ENOSPC'), '/p')).toMatchObject({ code: 'INSUFFICIENT_STORAGE', statusCode: 507 });
    expect(mapFsError(errno('EFBIG'), '/p')).toMatchObject({ code: 'INSUFFICIENT_STORAGE', statusCode: 507 });
  });

  it.each(['EACCES', 'EROFS', 'EPERM'])('maps %s to PLUGINS_DIR_NOT_WRITABLE 500 naming the folder', (code) => {
    const mapped = mapFsError(errno(code), '/srv/plugins') as Error;
    expect(mapped).toMatchObject({ code: 'PLUGINS_DIR_NOT_WRITABLE', statusCode: 500 });
    expect(mapped.message).toContain('/srv/plugins');
  });

  it('leaves other failures alone', () => {
    const error = errno('EIO');
    expect(mapFsError(error, '/p')).toBe(error);
  });
});
