export { DependencyAwareInstaller, type DependencyAwareOptions, type DependencyStorePort } from './dependency-aware-installer.js';
export { guardDependents, type DependentsRegistry } from './in-use.js';
export { planDependencies, type InstalledDependency, type PlanSources, type PlanTarget } from './planner.js';
