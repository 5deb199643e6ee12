// Payload types of the backend API, all derived from the schemas in @oko/shared that the backend
// validates and answers with. Components import them from here under the names the UI uses.
export type {
  BackendInfo,
  PluginDetails,
  PluginErrorInfo,
  PluginSummary as InstalledPlugin,
  StoreHealthReport as StoreHealth,
  StorePluginSummaryView as StorePlugin,
} from '@oko/shared';
