import { createError, isOkoError, type OkoError } from '@oko/shared';

const NOT_WRITABLE = new Set(['EACCES', 'EROFS', 'EPERM']);

/**
 * Maps a file-system failure while installing or uninstalling to the error the user can act on:
 * a full disk (507) or a plugins folder the backend may not write (500, naming the folder).
 * Anything else is returned unchanged for the error handler to treat as internal.
 */
export function mapFsError(error: unknown, pluginsDir: string): unknown {
  if (isOkoError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return createError('INSUFFICIENT_STORAGE', `Not enough disk space in ${pluginsDir} to install the plugin`, { cause: error });
  }
  // A file-size limit (RLIMIT_FSIZE) set on the backend is a storage quota too, with the same remedy.
  if (code === 'EFBIG') {
    return createError('INSUFFICIENT_STORAGE', `The plugin does not fit the file size limit of the backend process in ${pluginsDir}`, {
      cause: error,
    });
  }
  if (code !== undefined && NOT_WRITABLE.has(code)) {
    return notWritable(pluginsDir, error);
  }
  return error;
}

function notWritable(pluginsDir: string, cause: unknown): OkoError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EACCES';
  return createError('PLUGINS_DIR_NOT_WRITABLE', `The plugins directory ${pluginsDir} is not writable by the backend (${code})`, { cause });
}
