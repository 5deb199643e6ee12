// Payload types of the backend API, all derived from the schemas in @oko/shared that the backend
// validates and answers with. Components import them from here under the names the UI uses.
import type {
  CatalogSignature,
  InstalledSignature,
  PluginDetails as Details,
  PluginSummary,
  StorePluginSummaryView,
  StorePluginView,
} from '@oko/shared';

export type { BackendInfo, PluginErrorInfo, StoreHealthReport as StoreHealth } from '@oko/shared';

// Signatures are read as optional: a backend or store from before signatures sends none, and the UI
// then shows no installed badge (an installed plugin) or "Unsigned" (a catalog entry).
export type InstalledPlugin = PluginSummary & { signature?: InstalledSignature };
export type PluginDetails = Details & { signature?: InstalledSignature };
export type StorePlugin = StorePluginSummaryView & { signature?: CatalogSignature };
/** A whole catalog entry (GET /store/{id}): the store details page. */
export type StoreEntry = StorePluginView & { signature?: CatalogSignature };
