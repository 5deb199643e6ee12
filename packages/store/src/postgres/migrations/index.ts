import type { Migration } from '../migrations.js';
import { catalog } from './001-catalog.js';
import { publishers } from './002-publishers.js';
import { reviewsAndInstalls } from './003-reviews-and-installs.js';
import { blobs } from './004-blobs.js';
import { recordJson } from './005-record-json.js';

/** Every schema change, in order. A released migration is never edited: a change is a new one. */
export const MIGRATIONS: readonly Migration[] = [catalog, publishers, reviewsAndInstalls, blobs, recordJson];
