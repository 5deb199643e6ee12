/**
 * Matches a request path against the routes a plugin registered: `:name` segments capture one
 * segment, a final `*` captures the rest. Done on the main thread so an unknown path is a 404
 * without a round trip to the plugin host. Static segments win over parameters.
 */
export interface RouteMatch {
  method: string;
  path: string;
  params: Record<string, string>;
}

const split = (path: string) => path.split('/').filter((part) => part !== '');

function matchOne(pattern: string[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment === '*' && i === pattern.length - 1) {
      params['*'] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (segment.startsWith(':')) params[segment.slice(1)] = part;
    else if (segment !== part) return null;
  }
  return parts.length === pattern.length ? params : null;
}

/** How specific a pattern is: static segments count most, a wildcard least. */
function rank(pattern: string[]): number {
  return pattern.reduce((score, segment) => score * 4 + (segment === '*' ? 0 : segment.startsWith(':') ? 1 : 2), 1);
}

export function matchRoute(routes: ReadonlyArray<{ method: string; path: string }>, method: string, path: string): RouteMatch | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const parts = split(path);
  let best: { match: RouteMatch; score: number } | undefined;
  for (const route of routes) {
    if (route.method !== wanted) continue;
    const pattern = split(route.path);
    const params = matchOne(pattern, parts);
    if (!params) continue;
    const score = rank(pattern);
    if (!best || score > best.score) best = { match: { method: route.method, path: route.path, params }, score };
  }
  return best?.match;
}

/** The key a route is registered and invoked under, e.g. `GET /hosts/:id`. */
export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
