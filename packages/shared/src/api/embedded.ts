import { Type } from 'typebox';
import { PluginManifest } from '../manifest.js';
import { UiConfig } from '../ui-config.js';

// Copies without $id of the package file schemas, for embedding in payloads: a schema id may be
// registered only once per Fastify instance, and these appear in several route schemas.
export const ManifestData = Type.Object(PluginManifest.properties, { additionalProperties: true });
export const UiData = Type.Object(UiConfig.properties, { additionalProperties: true });
