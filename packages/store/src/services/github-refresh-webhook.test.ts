import { createHmac } from 'node:crypto';
import { isOkoError } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import type { CatalogRecord } from './catalog-record.js';
import { assertGithubSignature, parseWebhookBody, pluginsForEvent } from './github-refresh-webhook.js';

const tracked = (name: string, sourceUrl: string, branch?: string) =>
  ({ name, source: 'github', source_url: sourceUrl, ...(branch === undefined ? {} : { branch }) }) as CatalogRecord;

const plugins = [
  tracked('on_default', 'https://github.com/Octo/Repo'),
  tracked('on_dev', 'https://github.com/Octo/Repo', 'dev'),
  tracked('on_tag', 'https://github.com/Octo/Repo', 'v2.0.0'),
  tracked('look_alike', 'https://github.com/xocto/repo'),
];
const repository = { html_url: 'https://github.com/octo/repo', full_name: 'octo/repo', default_branch: 'main' };
const names = (event: string, payload: object) => pluginsForEvent(event, payload, plugins).map((p) => p.name);

describe('which tracked plugins a GitHub event refreshes', () => {
  it('push: the tracked branch, or no branch on the default branch; a tag push the plugin tracking that tag', () => {
    expect(names('push', { ref: 'refs/heads/main', repository })).toEqual(['on_default']);
    expect(names('push', { ref: 'refs/heads/dev', repository })).toEqual(['on_dev']);
    expect(names('push', { ref: 'refs/heads/other', repository })).toEqual([]);
    expect(names('push', { ref: 'refs/tags/v2.0.0', repository })).toEqual(['on_tag']);
    expect(names('push', { ref: 'refs/heads/dev', deleted: true, repository })).toEqual([]);
  });

  it('matches the repository by html_url or full_name, in any case, and nothing that only ends alike', () => {
    expect(names('push', { ref: 'refs/heads/main', repository: { full_name: 'OCTO/REPO', default_branch: 'main' } })).toEqual([
      'on_default',
    ]);
    expect(names('push', { ref: 'refs/heads/main', repository: { ...repository, html_url: 'https://github.com/octo/other' } })).toEqual([
      'on_default',
    ]);
    expect(names('push', { ref: 'refs/heads/main', repository: { full_name: 'octo/other', default_branch: 'main' } })).toEqual([]);
    expect(names('push', { ref: 'refs/heads/main', repository: { full_name: 'cto/repo', default_branch: 'main' } })).toEqual([]);
    // full_name is owner/repo exactly: a bare repository name is not every owner's repository of that name.
    for (const fullName of ['repo', '/repo', 'github.com/octo/repo', 'octo/repo/', 'x/octo/repo']) {
      expect(names('push', { ref: 'refs/heads/main', repository: { full_name: fullName, default_branch: 'main' } })).toEqual([]);
    }
  });

  it('release: published or released, for the plugins tracking no branch or that tag', () => {
    expect(names('release', { action: 'published', release: { tag_name: 'v2.0.0' }, repository })).toEqual(['on_default', 'on_tag']);
    expect(names('release', { action: 'released', release: { tag_name: 'v9' }, repository })).toEqual(['on_default']);
    expect(names('release', { action: 'created', release: { tag_name: 'v2.0.0' }, repository })).toEqual([]);
  });

  it('other events and malformed payloads refresh nothing', () => {
    expect(names('issues', { action: 'opened', repository })).toEqual([]);
    expect(names('push', { ref: 42, repository: null })).toEqual([]);
  });
});

describe('webhook signature and body', () => {
  const body = Buffer.from('{"zen":"Approachable is better than simple."}');
  const signature = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return isOkoError(error) ? error.code : String(error);
    }
    return 'accepted';
  };

  it('accepts the HMAC of the exact bytes, in either hex case, and refuses anything else', () => {
    expect(codeOf(() => assertGithubSignature('s3cret', body, signature))).toBe('accepted');
    expect(codeOf(() => assertGithubSignature('s3cret', body, signature.toUpperCase().replace('SHA256=', 'sha256=')))).toBe('accepted');
    for (const header of [undefined, '', 'sha256=', `${signature}00`, signature.slice(0, -2), [signature, signature]]) {
      expect(codeOf(() => assertGithubSignature('s3cret', body, header))).toBe('BAD_WEBHOOK_SIGNATURE');
    }
    expect(codeOf(() => assertGithubSignature('other', body, signature))).toBe('BAD_WEBHOOK_SIGNATURE');
    expect(codeOf(() => assertGithubSignature('s3cret', Buffer.concat([body, Buffer.from(' ')]), signature))).toBe('BAD_WEBHOOK_SIGNATURE');
  });

  it('reads JSON or a form delivery, and refuses a body that is not a JSON object', () => {
    expect(parseWebhookBody(body, 'application/json')).toEqual({ zen: 'Approachable is better than simple.' });
    const form = Buffer.from(`payload=${encodeURIComponent('{"ref":"refs/heads/main"}')}`);
    expect(parseWebhookBody(form, 'application/x-www-form-urlencoded')).toEqual({ ref: 'refs/heads/main' });
    for (const bad of ['', 'null', '[]', '"x"', '{']) {
      expect(codeOf(() => parseWebhookBody(Buffer.from(bad), 'application/json'))).toBe('BAD_REQUEST');
    }
  });
});
