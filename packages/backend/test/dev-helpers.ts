import type { DevPluginPush } from '@oko/shared';
import { api, type Backend } from './helpers.js';

/** A development plugin's files as text, by path. */
export type Files = Record<string, string>;

export const manifestOf = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ name, version: '0.1.0', ...extra });

/** A plugin answering GET /answer with `answer`, logging a line from setup. */
export function answering(name: string, answer: string, manifest: Record<string, unknown> = {}): Files {
  return {
    'manifest.json': manifestOf(name, manifest),
    'index.js': [
      'export function setup(ctx) {',
      `  ctx.routes.get('/answer', () => ({ answer: ${JSON.stringify(answer)} }));`,
      `  ctx.log.info('setup of ${answer} done');`,
      '}',
    ].join('\n'),
  };
}

export function pushBody(files: Files, extra: Partial<DevPluginPush> = {}): DevPluginPush {
  return {
    files: Object.entries(files).map(([path, text]) => ({ path, content_base64: Buffer.from(text).toString('base64') })),
    ...extra,
  };
}

export function push(backend: Pick<Backend, 'url'>, name: string, files: Files, extra: Partial<DevPluginPush> = {}, headers = {}) {
  return api(backend, 'PUT', `/api/v1/dev/plugins/${name}`, pushBody(files, extra), headers);
}

/** The plugin's route, as the dashboard serves it (api prefix: the name with `-`). */
export function answerOf(backend: Pick<Backend, 'url'>, name: string) {
  return api(backend, 'GET', `/api/v1/plugins/${name.replace(/_/g, '-')}/answer`);
}
