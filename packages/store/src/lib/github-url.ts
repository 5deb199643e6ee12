import { createError, isSafeRelativePath } from '@oko/shared';
import type { GithubConfig } from '../config.js';

export interface RepoRef {
  owner: string;
  repo: string;
  /** Canonical https://<host>/<owner>/<repo> form, stored as the entry's source_url. */
  url: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const REF = /^[A-Za-z0-9._/-]{1,200}$/;

function badUrl(message: string) {
  return createError('INVALID_REPO_URL', message);
}

/**
 * Accepts only <scheme>://<configured host>/<owner>/<repo>[.git][/]: no other host, scheme,
 * credentials, port, query, fragment or extra path. The download URL is then built from owner and
 * repo alone, so nothing the client sends can point the store at another server.
 */
export function parseRepoUrl(raw: string, github: Pick<GithubConfig, 'apiUrl' | 'webHost'>): RepoRef {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badUrl(`repo_url is not a URL: ${JSON.stringify(raw)}`);
  }
  const scheme = github.apiUrl.protocol;
  const expected = `${scheme}//${github.webHost}/{owner}/{repo}`;
  if (url.protocol !== scheme) throw badUrl(`repo_url must use ${scheme.slice(0, -1)}: ${expected}`);
  if (url.username || url.password) throw badUrl('repo_url must not carry credentials');
  if (url.host !== github.webHost.toLowerCase()) throw badUrl(`repo_url must be a repository on ${github.webHost}: ${expected}`);
  if (url.search || url.hash) throw badUrl(`repo_url must not have a query or fragment: ${expected}`);
  const parts = url.pathname.replace(/\/$/, '').split('/').slice(1);
  if (parts.length !== 2) throw badUrl(`repo_url must be exactly ${expected}`);
  const owner = parts[0] ?? '';
  const repo = (parts[1] ?? '').replace(/\.git$/, '');
  if (!OWNER.test(owner)) throw badUrl(`repo_url has an invalid owner: ${JSON.stringify(owner)}`);
  if (!REPO.test(repo) || repo === '.' || repo === '..') throw badUrl(`repo_url has an invalid repository name: ${JSON.stringify(repo)}`);
  return { owner, repo, url: `${scheme}//${github.webHost}/${owner}/${repo}` };
}

/** A branch, tag or commit name that is safe to put in the zipball path. */
export function checkBranch(branch: string): string {
  const ok =
    REF.test(branch) && !branch.startsWith('/') && !branch.startsWith('-') && !branch.endsWith('/') && !branch.split('/').includes('..');
  if (!ok) throw createError('BAD_REQUEST', `branch is not a valid git ref name: ${JSON.stringify(branch)}`);
  return branch;
}

/** The plugin's folder inside the repository, normalized ("plugins/x/" -> "plugins/x"); "" for the root. */
export function checkSubdirectory(subdirectory: string | undefined): string {
  const value = (subdirectory ?? '').trim().replace(/^\.\//, '').replace(/\/+$/, '');
  if (value === '' || value === '.') return '';
  if (!isSafeRelativePath(value) || value.split('/').includes('.')) {
    throw createError('BAD_REQUEST', `subdirectory must be a relative folder inside the repository: ${JSON.stringify(subdirectory)}`);
  }
  return value;
}

/** {api}/repos/{owner}/{repo}/zipball[/{branch}] */
export function zipballUrl(apiUrl: URL, ref: RepoRef, branch: string | undefined): URL {
  const refPath = branch ? `/${branch.split('/').map(encodeURIComponent).join('/')}` : '';
  return new URL(`${apiUrl.href.replace(/\/$/, '')}/repos/${ref.owner}/${ref.repo}/zipball${refPath}`);
}
