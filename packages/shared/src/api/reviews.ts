import { Type, type Static } from 'typebox';
import type { ErrorCode } from '../errors.js';

/**
 * Ratings, reviews and install counts (README "Ratings and reviews"): the store's
 * /plugins/{name}/reviews, relayed by the backend's /store/{name}/reviews in the dashboard's name.
 */

/** The header a backend names itself with on an open store: a random id it creates once and keeps. */
export const INSTANCE_HEADER = 'x-oko-instance';
export const INSTANCE_ID_PATTERN = '^[A-Za-z0-9_-]{16,64}$';
const instanceIdRe = new RegExp(INSTANCE_ID_PATTERN);
export function isInstanceId(value: unknown): value is string {
  return typeof value === 'string' && instanceIdRe.test(value);
}

export const REVIEW_TITLE_MAX = 120;
export const REVIEW_BODY_MAX = 4000;
export const REVIEWS_DEFAULT_PER_PAGE = 10;
export const REVIEWS_MAX_PER_PAGE = 50;
/** Counters reach catalog answers at most this often, so a download never invalidates cached pages by itself. */
export const STATS_FOLD_INTERVAL_MS = 60_000;

export const RatingSummary = Type.Object(
  {
    average: Type.Number({ minimum: 0, maximum: 5, description: 'Mean of the ratings, one decimal; 0 when there are none' }),
    count: Type.Integer({ minimum: 0, description: 'Reviews of this plugin name (one per reviewer)' }),
  },
  { description: 'Over every version of the plugin name' },
);
export type RatingSummary = Static<typeof RatingSummary>;

export const InstallStats = Type.Object(
  {
    downloads: Type.Integer({ minimum: 0, description: 'Package downloads of any version of the name' }),
    instances: Type.Integer({
      minimum: 0,
      description: 'Distinct dashboards that downloaded it (dashboard token; X-OKO-Instance on an open store)',
    }),
  },
  { description: 'Folded into catalog answers at most once a minute' },
);
export type InstallStats = Static<typeof InstallStats>;

export const NO_RATING: RatingSummary = { average: 0, count: 0 };
export const NO_INSTALLS: InstallStats = { downloads: 0, instances: 0 };

/** POST /plugins/{name}/reviews: a new post by the same reviewer replaces their review. */
export const ReviewRequest = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    title: Type.Optional(Type.String({ maxLength: REVIEW_TITLE_MAX, description: 'Plain text' })),
    body: Type.Optional(Type.String({ maxLength: REVIEW_BODY_MAX, description: 'Plain text; shown escaped, never as HTML' })),
    version: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "The version the reviewer has installed; the dashboard backend sets it from its installed plugin (a browser's value is replaced)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReviewRequest = Static<typeof ReviewRequest>;

export const Review = Type.Object({
  id: Type.String({ description: 'Random id, for the admin to delete it' }),
  plugin: Type.String({ description: 'Plugin name' }),
  version: Type.Union([Type.String(), Type.Null()], { description: 'The version the reviewer had installed, when known' }),
  rating: ReviewRequest.properties.rating,
  title: Type.String(),
  body: Type.String(),
  reviewer: Type.String({
    description: "Who wrote it, as shown: a dashboard token's name, or 'dashboard <first 8 of a hash of the instance id>'",
  }),
  verified_install: Type.Boolean({ description: 'The reviewer downloaded this plugin from this store (see README on open stores)' }),
  created_at: Type.String({ description: 'ISO 8601 time of the first post' }),
  updated_at: Type.String({ description: 'ISO 8601 time of the last replacement' }),
});
export type Review = Static<typeof Review>;

export const ReviewListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
  per_page: Type.Integer({ minimum: 1, maximum: REVIEWS_MAX_PER_PAGE, default: REVIEWS_DEFAULT_PER_PAGE }),
});
export type ReviewListQuery = Static<typeof ReviewListQuery>;

export const ReviewList = Type.Object({
  reviews: Type.Array(Review, { description: 'Newest first (by updated_at)' }),
  total: Type.Integer(),
  page: Type.Integer(),
  per_page: Type.Integer(),
  rating: RatingSummary,
  mine: Type.Optional(
    Type.Union([Review, Type.Null()], { description: "The caller's own review of this plugin, when the caller is known" }),
  ),
});
export type ReviewList = Static<typeof ReviewList>;

export const ReviewParams = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9_]{1,63}$' }),
  review_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type ReviewParams = Static<typeof ReviewParams>;

export const ReviewDeleted = Type.Object({ success: Type.Boolean(), review_id: Type.String(), message: Type.String() });
export type ReviewDeleted = Static<typeof ReviewDeleted>;

export const REVIEW_POST_ERRORS = [
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'TOKEN_NOT_ALLOWED',
  'INSTANCE_ID_REQUIRED',
  'PLUGIN_NOT_FOUND',
  'REVIEWS_FULL',
  'CROSS_SITE_REQUEST',
  'CATALOG_READ_ONLY',
] as const satisfies readonly ErrorCode[];

/** Sort orders of the catalog list. `name` is the default (the order the store always had). */
export const CATALOG_SORTS = ['name', 'newest', 'rating', 'installs'] as const;
export const CatalogSort = Type.Enum(CATALOG_SORTS, {
  description:
    'name (A–Z by display name, default), newest (created_at), rating (average, then count), installs (instances, then downloads)',
});
export type CatalogSort = Static<typeof CatalogSort>;

/** A README's relative image links, served from the package by GET /plugins/{id}/assets/{path}: images only. */
export const README_ASSET_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};
export const README_ASSET_MAX_BYTES = 2 * 1024 * 1024;

/** The content type a README image is served as, by its file name's extension (any case), or null for anything else. */
export function readmeAssetType(fileName: string): string | null {
  const dot = fileName.lastIndexOf('.');
  const extension = dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
  return Object.hasOwn(README_ASSET_TYPES, extension) ? (README_ASSET_TYPES[extension] ?? null) : null;
}
