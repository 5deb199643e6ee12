import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { isInstanceId } from '@oko/shared';
import { writeFileAtomic } from '@oko/shared/server';

/** OKO_DATA_DIR/instance-id: the random id this dashboard names itself with on an open store. */
export const INSTANCE_ID_FILE = 'instance-id';

/** 24 random bytes, base64url: 32 characters of INSTANCE_ID_PATTERN, not guessable from any other dashboard's. */
export function newInstanceId(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The dashboard's instance id, created once and kept: the same id after every restart, so the
 * store counts this dashboard once and keeps its reviews its own. It is the dashboard's identity on
 * an open store (whoever holds it posts reviews in its name), so the file is 0600 and the id never
 * reaches a browser. A missing or unreadable file gives a new id, logged; a corrupt one is kept aside.
 */
export async function loadInstanceId(dataDir: string, log: FastifyBaseLogger): Promise<string> {
  const file = path.join(dataDir, INSTANCE_ID_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.error({ err: error, file }, 'instance id file unreadable');
  }
  const kept = text?.trim();
  if (isInstanceId(kept)) return kept;
  const id = newInstanceId();
  await mkdir(dataDir, { recursive: true });
  if (text !== undefined) {
    const aside = `${file}.corrupt-${Date.now()}`;
    await rename(file, aside).catch(() => undefined);
    log.error(
      { file: aside },
      'instance id file was not a valid id; kept aside, and a new id was created (the store sees a new dashboard)',
    );
  } else {
    log.info({ file }, 'created the instance id this dashboard sends the store as X-OKO-Instance');
  }
  await writeFileAtomic(file, `${id}\n`, { mode: 0o600 });
  return id;
}
