import { describe, expect, it } from 'vitest';
import { matchRoute } from './route-match.js';

const routes = [
  { method: 'GET', path: '/hosts' },
  { method: 'GET', path: '/hosts/:id' },
  { method: 'GET', path: '/hosts/summary' },
  { method: 'GET', path: '/files/*' },
  { method: 'POST', path: '/hosts' },
  { method: 'GET', path: '/' },
];

describe('plugin route matching', () => {
  it('captures :name segments as params', () => {
    expect(matchRoute(routes, 'GET', '/hosts/42')).toEqual({ method: 'GET', path: '/hosts/:id', params: { id: '42' } });
  });
  it('prefers a static segment over a parameter', () => {
    expect(matchRoute(routes, 'GET', '/hosts/summary')?.path).toBe('/hosts/summary');
  });
  it('lets a final * take the rest of the path', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b.txt')?.params).toEqual({ '*': 'a/b.txt' });
  });
  it('matches on method, and serves HEAD from GET', () => {
    expect(matchRoute(routes, 'POST', '/hosts')?.method).toBe('POST');
    expect(matchRoute(routes, 'DELETE', '/hosts')).toBeUndefined();
    expect(matchRoute(routes, 'HEAD', '/hosts')?.path).toBe('/hosts');
  });
  it('answers nothing for an unknown or too long path', () => {
    expect(matchRoute(routes, 'GET', '/hosts/1/extra')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/nope')).toBeUndefined();
  });
  it('matches the root route for an empty path', () => {
    expect(matchRoute(routes, 'GET', '')?.path).toBe('/');
  });
});
