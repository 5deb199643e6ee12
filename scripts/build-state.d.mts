/** Whether `npm run build` has work to do (scripts/build-state.mjs). */
export interface BuildPackage {
  name: string;
  sources: string[];
  outputs: string[];
  mark: string;
}
export const PACKAGES: BuildPackage[];
export function newestMtime(target: string): number;
export function buildState(root: string): { current: true } | { current: false; reason: string };
