import type { StoreHealthReport, StoreHealthSummary } from '@oko/shared';
import { describe, expect, it } from 'vitest';
import { storeProblems, storeStatus, storeWritesWords } from './store-status.js';

const HEALTHY: StoreHealthSummary = { version: '0.16.0', plugins_count: 3, status: 'healthy', read_only: false };
/** An embedded store whose plugins.json would not parse. */
const BROKEN_CATALOG: StoreHealthSummary = {
  ...HEALTHY,
  status: 'degraded',
  read_only: true,
  reason: 'plugins.json is unreadable (not valid JSON: Unterminated string in JSON at position 38)',
};
/** A store on PostgreSQL that lost its database. */
const NO_DATABASE: StoreHealthSummary = {
  ...HEALTHY,
  status: 'degraded',
  read_only: true,
  reason: 'PostgreSQL cannot be reached (ECONNREFUSED): publishes, deletes, reviews and token checks answer 503 DATABASE_UNAVAILABLE',
  database: { reachable: false, change_feed: false },
  blob_store: { reachable: true },
};
const report = (store: StoreHealthSummary): StoreHealthReport => ({
  available: true,
  url: 'http://store.test',
  response_time_ms: 2,
  store,
});
const reachable = (health: StoreHealthReport | null) => ({ available: true, health, healthChecked: true });

describe('storeStatus: the store pill', () => {
  it('is checking until the listing answers, and until the first health read ends', () => {
    expect(storeStatus({ available: null, health: null, healthChecked: false })).toMatchObject({
      tone: 'checking',
      label: 'Store: checking',
    });
    expect(storeStatus({ available: true, health: null, healthChecked: false })).toMatchObject({ tone: 'checking' });
  });

  it('is online for a healthy store, and for one whose health could not be read (the listing answers)', () => {
    expect(storeStatus(reachable(report(HEALTHY)))).toEqual({ tone: 'online', label: 'Store online' });
    expect(storeStatus(reachable(null))).toEqual({ tone: 'online', label: 'Store online' });
    // An older store sends neither status nor read_only.
    expect(storeStatus(reachable(report({ version: '0.0.9', plugins_count: 1 })))).toMatchObject({ tone: 'online' });
  });

  it('is degraded and read-only for a broken catalog, saying why in plain words and what still works', () => {
    const status = storeStatus(reachable(report(BROKEN_CATALOG)));
    expect(status).toMatchObject({ tone: 'degraded', label: 'Store degraded · read-only' });
    expect(status.detail).toContain("The store's catalog could not be read in full");
    expect(status.detail).toContain('Installing still works');
    expect(status.detail).toContain('Settings → Plugin store');
    // The parser's message is Settings' detail, not the pill's.
    expect(status.detail).not.toContain('Unterminated');
  });

  it('names a database that does not answer', () => {
    const status = storeStatus(reachable(report(NO_DATABASE)));
    expect(status).toMatchObject({ tone: 'degraded', label: 'Store degraded · read-only' });
    expect(status.detail).toContain("The store's database does not answer");
    expect(status.detail).not.toContain('catalog could not be read');
  });

  it('is degraded without read-only when only the change feed reconnects, and read-only alone when only that is said', () => {
    const feed = { ...HEALTHY, status: 'degraded' as const, database: { reachable: true, change_feed: false } };
    expect(storeStatus(reachable(report(feed)))).toMatchObject({ tone: 'degraded', label: 'Store degraded' });
    expect(storeStatus(reachable(report({ ...HEALTHY, read_only: true })))).toMatchObject({ tone: 'degraded', label: 'Store read-only' });
  });

  it("is unavailable, with the listing's reason, whatever an older health report said", () => {
    const status = storeStatus({ ...reachable(report(HEALTHY)), available: false, reason: 'connection refused' });
    expect(status).toEqual({ tone: 'unavailable', label: 'Store unavailable', detail: 'connection refused' });
  });

  it('leaves the details of a health report that says the store did not answer to the listing', () => {
    const gone: StoreHealthReport = { available: false, url: 'http://store.test', response_time_ms: 3, reason: 'Connection refused' };
    expect(storeStatus(reachable(gone))).toMatchObject({ tone: 'online' });
  });
});

describe('storeProblems and storeWritesWords: what Settings says', () => {
  it('says nothing of a healthy store, and something of a degraded one it has no words for', () => {
    expect(storeProblems(HEALTHY)).toEqual([]);
    expect(storeProblems({ ...HEALTHY, status: 'degraded' })).toEqual(['The store reports a problem.']);
  });

  it('puts the database first, then the package storage', () => {
    const problems = storeProblems({ ...NO_DATABASE, blob_store: { reachable: false } });
    expect(problems).toEqual([
      "The store's database does not answer; the store serves the catalog from its last copy.",
      "The store's package storage does not answer; downloads and installs fail.",
    ]);
  });

  it('does not promise installs while the package storage is away', () => {
    expect(storeWritesWords(NO_DATABASE)).toMatch(/^Installing still works/);
    expect(storeWritesWords({ ...NO_DATABASE, blob_store: { reachable: false } })).not.toContain('Installing');
  });
});
