// Isomorphic entry: schemas, types and error shape. Safe to import from the browser.
export * from './errors.js';
export * from './validation.js';
export * from './manifest.js';
export * from './ui-config.js';
