import { ref, watch, type Ref } from 'vue';
import { getPageManifest } from '../api/plugins.js';
import type { DashboardIndicator } from '../api/page-manifest-types.js';
import type { InstalledPlugin } from '../api/types.js';
import { apiPrefixFor } from '../lib/plugin-facts.js';

export interface PlacedIndicator {
  key: string;
  indicator: DashboardIndicator;
  plugin: InstalledPlugin;
  apiPrefix: string;
  live: boolean;
}

/**
 * The `dashboard.indicators` of installed plugins. Active plugins show theirs with live values;
 * an indicator marked `alwaysVisible` stays on the home page while its plugin is not active.
 * Page manifests are re-read only when a plugin's state or version changes.
 */
export function useDashboardIndicators(plugins: Ref<InstalledPlugin[]>) {
  const indicators = ref<PlacedIndicator[]>([]);
  const cache = new Map<string, { stamp: string; list: DashboardIndicator[] }>();

  async function rebuild(list: InstalledPlugin[]) {
    const candidates = list.filter((p) => p.state !== 'disabled');
    await Promise.all(
      candidates.map(async (plugin) => {
        const stamp = `${plugin.state}:${plugin.version}`;
        if (cache.get(plugin.id)?.stamp === stamp) return;
        try {
          const answer = await getPageManifest(plugin.id);
          const usable = answer.negotiation.accepted && !answer.negotiation.fallback_used;
          cache.set(plugin.id, { stamp, list: usable ? (answer.manifest.dashboard?.indicators ?? []) : [] });
        } catch {
          // A plugin without a readable page manifest simply has no indicators.
          cache.set(plugin.id, { stamp, list: [] });
        }
      }),
    );
    indicators.value = candidates.flatMap((plugin) =>
      (cache.get(plugin.id)?.list ?? [])
        .filter((indicator) => plugin.state === 'active' || indicator.alwaysVisible)
        .map((indicator) => ({
          key: `${plugin.id}/${indicator.id}`,
          indicator,
          plugin,
          apiPrefix: apiPrefixFor(plugin),
          live: plugin.state === 'active',
        })),
    );
  }

  watch(
    () => plugins.value.map((p) => `${p.id}:${p.state}:${p.version}`).join('|'),
    () => void rebuild(plugins.value),
    { immediate: true },
  );
  return { indicators };
}
