// Isomorphic entry: schemas, types and error shape. Safe to import from the browser.
export * from './errors.js';
export * from './cross-site.js';
export * from './validation.js';
export * from './manifest.js';
export * from './versions.js';
export * from './permissions.js';
export * from './signature.js';
export * from './ui-config.js';
export * from './reserved-names.js';
export * from './bridge-client.js';
export * from './page-manifest.js';
export * from './plugin-sdk.js';
export * from './api/plugins.js';
export * from './api/store.js';
export * from './api/dashboard-store.js';
export * from './api/auth.js';
export * from './api/versions.js';
