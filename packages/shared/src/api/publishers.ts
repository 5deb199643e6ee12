import { Type, type Static } from 'typebox';

/** Payloads of the store's /publishers (README, Publishers and owned names). */

/** Store tokens the admin key hands out: a publisher publishes and owns names; a dashboard downloads, never publishes. */
export const PublisherKind = Type.Union([Type.Literal('publisher'), Type.Literal('dashboard')]);
export type PublisherKind = Static<typeof PublisherKind>;

export const CreatePublisher = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
      description: "Shown as the catalog entries' publisher; unique among live tokens; 'admin' is reserved",
    }),
    kind: PublisherKind,
  },
  { additionalProperties: false },
);
export type CreatePublisher = Static<typeof CreatePublisher>;

const PublisherFields = { id: Type.String(), name: Type.String(), kind: PublisherKind };
export const PublisherInfo = Type.Object({ ...PublisherFields, created_at: Type.String({ description: 'ISO 8601 time' }) });
export type PublisherInfo = Static<typeof PublisherInfo>;

export const CreatedPublisher = Type.Object({
  ...PublisherFields,
  token: Type.String({ description: 'Shown this once; the store keeps only its hash' }),
});
export type CreatedPublisher = Static<typeof CreatedPublisher>;

export const PublisherList = Type.Object({ publishers: Type.Array(PublisherInfo) });
export type PublisherList = Static<typeof PublisherList>;

export const PublisherIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
