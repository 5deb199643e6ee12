import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createError, isOkoError, type GithubImportRequest } from '@oko/shared';
import { readPluginDirectory, resolveInside, type ArchiveLimits, type ArchiveThread } from '@oko/shared/archive';
import type { GithubConfig } from '../config.js';
import { PrivateAddressError } from '../lib/address-guard.js';
import { checkBranch, checkSubdirectory, parseRepoUrl, zipballUrl, type RepoRef } from '../lib/github-url.js';
import { guardedGet } from '../lib/guarded-get.js';
import { ByteLimit, tooLargeError } from '../lib/streams.js';
import { EXTRACTED_DIR } from './archive-importer.js';
import type { CatalogRecord, Owner } from './catalog-record.js';
import type { PluginPublisher, StagedPlugin } from './plugin-publisher.js';
import type { UploadFolder } from './plugin-storage.js';

const MAX_REDIRECTS = 5;
const ZIPBALL_FILE = 'zipball.zip';

/** Where a GitHub plugin comes from, checked: what an import is given and what a refresh reuses. */
interface GithubSource {
  ref: RepoRef;
  branch: string | undefined;
  subdirectory: string;
  label: string;
  prefix: string;
}

export interface GithubImporterOptions {
  github: GithubConfig;
  maxPluginSizeBytes: number;
  limits: ArchiveLimits;
}

/** Imports a plugin from a GitHub repository zipball: uploads/github_<owner>_<repo>_<timestamp>/extracted/. */
export class GithubImporter {
  constructor(
    private readonly publisher: PluginPublisher,
    private readonly thread: ArchiveThread,
    private readonly options: GithubImporterOptions,
  ) {}

  async import(request: GithubImportRequest, by: Owner): Promise<CatalogRecord> {
    const source = this.sourceOf(request.repo_url, request.branch, request.subdirectory);
    return this.publisher.publish(source.prefix, by, (folder) => this.stage(folder, source));
  }

  /**
   * Imports a tracked plugin's source again, from exactly the repository, branch and subdirectory
   * its record remembers; the manifest must still name that plugin (PluginPublisher.republish).
   */
  async refresh(tracked: CatalogRecord, by: Owner): Promise<{ status: 'published' | 'unchanged'; record: CatalogRecord }> {
    if (tracked.source !== 'github' || !tracked.source_url) {
      throw createError('NOT_TRACKED', `Plugin '${tracked.name}' ${tracked.version} was not imported from GitHub`);
    }
    const source = this.sourceOf(tracked.source_url, tracked.branch, tracked.subdirectory);
    return this.publisher.republish(source.prefix, by, tracked.name, (folder) => this.stage(folder, source));
  }

  private sourceOf(repoUrl: string, rawBranch: string | undefined, rawSubdirectory: string | undefined): GithubSource {
    const ref = parseRepoUrl(repoUrl, this.options.github);
    const branch = rawBranch === undefined ? undefined : checkBranch(rawBranch);
    const subdirectory = checkSubdirectory(rawSubdirectory);
    const label = `${ref.owner}@${ref.repo}${branch ? `#${branch}` : ''}`;
    return { ref, branch, subdirectory, label, prefix: `github_${ref.owner}_${ref.repo}` };
  }

  private async stage(folder: UploadFolder, { ref, branch, subdirectory, label }: GithubSource): Promise<StagedPlugin> {
    const zipPath = path.join(folder.path, ZIPBALL_FILE);
    await this.download(zipballUrl(this.options.github.apiUrl, ref, branch), zipPath, ref, branch);
    const dest = path.join(folder.path, EXTRACTED_DIR);
    await mkdir(dest);
    const { root } = await this.thread.run('extract', zipPath, dest, this.options.limits);
    // GitHub imports keep only extracted/ (README.md, Storage layout): the zipball is not needed again.
    await rm(zipPath, { force: true });
    const pluginDir = subdirectory ? resolveInside(root, subdirectory) : root;
    if (subdirectory && !(await stat(pluginDir).catch(() => null))?.isDirectory()) {
      throw createError('GITHUB_NOT_FOUND', `Folder '${subdirectory}' not found in ${label}`);
    }
    const files = await readPluginDirectory(pluginDir);
    return {
      pluginDir,
      files,
      source: 'github',
      sourceUrl: ref.url,
      // A repository is a source folder: packaged as `oko-plugin pack` would (no test/, node_modules/), which is
      // also what a signature made with `oko-plugin sign` lists.
      sourceFolder: true,
      ...(branch === undefined ? {} : { branch }),
      ...(subdirectory ? { subdirectory } : {}),
    };
  }

  /**
   * Follows redirects by hand: only to the API host or the allowed download hosts, only with the
   * API's scheme, and the token goes to the API host alone, never to a host it redirects to.
   */
  private async download(start: URL, file: string, ref: RepoRef, branch: string | undefined): Promise<void> {
    const { github, maxPluginSizeBytes } = this.options;
    const signal = AbortSignal.timeout(github.timeoutMs);
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = {
        accept: 'application/vnd.github+json',
        'user-agent': 'oko-plugin-store',
        'x-github-api-version': '2022-11-28',
      };
      if (github.token && url.host === github.apiUrl.host) headers.authorization = `Bearer ${github.token}`;
      const target = url;
      const response = await guardedGet(target, { headers, signal, allowPrivate: github.allowPrivateAddresses }).catch((error: unknown) => {
        throw this.unreachable(target, signal, error);
      });
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        response.destroy();
        url = this.nextHop(url, response.headers.location);
        continue;
      }
      if (status === 404) {
        response.destroy();
        throw createError(
          'GITHUB_NOT_FOUND',
          `Repository ${ref.owner}/${ref.repo}${branch ? ` or branch '${branch}'` : ''} not found on GitHub`,
        );
      }
      if (status < 200 || status >= 300) {
        response.destroy();
        const hint = status === 401 || status === 403 ? ' (check GITHUB_TOKEN or the rate limit)' : '';
        throw upstream(`GitHub answered ${status} for ${ref.owner}/${ref.repo}${hint}`);
      }
      const declared = Number(response.headers['content-length']);
      if (declared > maxPluginSizeBytes) {
        response.destroy();
        throw tooLargeError(maxPluginSizeBytes);
      }
      await pipeline(response, new ByteLimit(maxPluginSizeBytes), createWriteStream(file, { flags: 'wx' })).catch((error: unknown) => {
        if (isOkoError(error)) throw error;
        throw signal.aborted
          ? upstream(`The download from GitHub did not finish within ${github.timeoutMs} ms`, error)
          : upstream(`The download from GitHub failed: ${(error as Error).message}`, error);
      });
      return;
    }
    throw upstream(`GitHub redirected more than ${MAX_REDIRECTS} times`);
  }

  /** Why a connection to GitHub failed; a host that is or resolves to a non-public address says how to allow it. */
  private unreachable(url: URL, signal: AbortSignal, error: unknown) {
    if (error instanceof PrivateAddressError) {
      return upstream(
        `GitHub host ${error.message}: refused (set OKO_STORE_GITHUB_ALLOW_PRIVATE=true for GitHub Enterprise on a private network)`,
        error,
      );
    }
    if (signal.aborted) return upstream(`GitHub did not answer within ${this.options.github.timeoutMs} ms (${url.host})`, error);
    return upstream(`GitHub could not be reached (${url.host}): ${(error as Error).message}`, error);
  }

  private nextHop(from: URL, location: string | undefined): URL {
    if (!location) throw upstream('GitHub answered a redirect without a Location');
    const next = new URL(location, from);
    const { apiUrl, downloadHosts, downloadAnyPortOfApiHost } = this.options.github;
    const allowedHost =
      next.host === apiUrl.host || downloadHosts.includes(next.host) || (downloadAnyPortOfApiHost && next.hostname === apiUrl.hostname);
    if (next.protocol !== apiUrl.protocol || !allowedHost || next.username || next.password) {
      throw upstream(`GitHub redirected the download to a location that is not allowed: ${next.protocol}//${next.host}`);
    }
    return next;
  }
}

function upstream(message: string, cause?: unknown) {
  return createError('GITHUB_UPSTREAM_ERROR', message, cause === undefined ? undefined : { cause });
}
