import { describe, expect, it } from 'vitest';
import { githubHostsFor } from '../config.js';
import { checkBranch, checkSubdirectory, parseRepoUrl, zipballUrl } from './github-url.js';

const apiUrl = new URL('https://api.github.com');
const github = { apiUrl, ...githubHostsFor(apiUrl) };

describe('parseRepoUrl', () => {
  it('accepts a GitHub repository URL, with or without .git and trailing slash', () => {
    expect(parseRepoUrl('https://github.com/octo/my-plugin', github)).toEqual({
      owner: 'octo',
      repo: 'my-plugin',
      url: 'https://github.com/octo/my-plugin',
    });
    expect(parseRepoUrl('https://github.com/octo/my-plugin.git/', github).repo).toBe('my-plugin');
  });

  it.each([
    ['http://github.com/octo/x', /must use https/],
    ['https://gitlab.com/octo/x', /repository on github.com/],
    ['https://localhost/octo/x', /repository on github.com/],
    ['https://127.0.0.1/octo/x', /repository on github.com/],
    ['https://github.com:8443/octo/x', /repository on github.com/],
    ['https://user:pw@github.com/octo/x', /credentials/],
    ['https://github.com/octo/x/tree/main', /exactly/],
    ['https://github.com/octo', /exactly/],
    ['https://github.com/octo/x?ref=main', /query/],
    ['https://github.com/-octo/x', /owner/],
    ['https://github.com/octo/..', /exactly|repository name/],
    ['file:///etc/passwd', /https/],
    ['not a url', /not a URL/],
  ])('refuses %j', (url, reason) => {
    expect(() => parseRepoUrl(url, github)).toThrow(reason);
  });

  it('derives hosts from the API URL for Enterprise and local servers', () => {
    const local = new URL('http://127.0.0.1:4567');
    const hosts = githubHostsFor(local);
    expect(hosts.webHost).toBe('127.0.0.1:4567');
    expect(parseRepoUrl('http://127.0.0.1:4567/octo/x', { apiUrl: local, webHost: hosts.webHost }).owner).toBe('octo');
    expect(() => parseRepoUrl('http://localhost:4567/octo/x', { apiUrl: local, webHost: hosts.webHost })).toThrow(/repository on/);
  });
});

describe('branch and subdirectory', () => {
  it('accepts ordinary refs and refuses odd ones', () => {
    expect(checkBranch('feature/x-1.2')).toBe('feature/x-1.2');
    for (const bad of ['../x', '-x', 'a b', 'a?b', '/x', 'a/../b']) expect(() => checkBranch(bad)).toThrow();
  });
  it('normalizes subdirectories and refuses escapes', () => {
    expect(checkSubdirectory('plugins/x/')).toBe('plugins/x');
    expect(checkSubdirectory('./x')).toBe('x');
    expect(checkSubdirectory(undefined)).toBe('');
    for (const bad of ['../x', '/etc', 'a/../../b', 'a\\b']) expect(() => checkSubdirectory(bad)).toThrow();
  });
  it('builds the zipball URL itself', () => {
    const ref = parseRepoUrl('https://github.com/octo/x', github);
    expect(zipballUrl(apiUrl, ref, 'feature/y').href).toBe('https://api.github.com/repos/octo/x/zipball/feature/y');
    expect(zipballUrl(new URL('https://ghe.example.com/api/v3'), ref, undefined).href).toBe(
      'https://ghe.example.com/api/v3/repos/octo/x/zipball',
    );
  });
});
