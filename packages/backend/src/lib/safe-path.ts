// Moved to @oko/shared/server: the store serves a package's README images with the same rule.
export { findFileInside } from '@oko/shared/server';
