import { createRouter, createWebHistory, type RouterHistory } from 'vue-router';

// Pages load on demand: the dashboard home stays small, the control center comes when opened.
export function createAppRouter(history: RouterHistory = createWebHistory()) {
  return createRouter({
    history,
    routes: [
      { path: '/sign-in', name: 'sign-in', component: () => import('./pages/SignInPage.vue') },
      { path: '/setup', name: 'setup', component: () => import('./pages/SetupPage.vue') },
      { path: '/', name: 'home', component: () => import('./pages/DashboardHome.vue') },
      { path: '/plugins', name: 'plugins', component: () => import('./pages/PluginsControlCenter.vue') },
      // A catalog plugin by name, installed or not: its README, facts, versions and reviews.
      { path: '/store/:name', name: 'store-plugin', component: () => import('./pages/StoreDetailsPage.vue'), props: true },
      { path: '/plugins/:pluginId', name: 'plugin', component: () => import('./pages/PluginDetailsPage.vue'), props: true },
      { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
    ],
  });
}
