/**
 * What a plugin's death leads to, as pure functions of its recent deaths and the settings: a
 * restart after a backoff that doubles with each death, or, at the limit within the window,
 * quarantine (state error, no restart until a user acts). The manager applies the outcome.
 */
export interface CrashPolicy {
  /** Wait before the first restart (OKO_PLUGIN_RESTART_BACKOFF_MS); doubles with each death. */
  backoffMs: number;
  /** Deaths count toward quarantine for this long (OKO_PLUGIN_QUARANTINE_WINDOW_S). */
  windowS: number;
  /** The death that reaches this count within the window quarantines (OKO_PLUGIN_QUARANTINE_CRASHES). */
  limit: number;
}

export type CrashOutcome =
  | { kind: 'restart'; delayMs: number; /** Shown while waiting, e.g. "restart 2 of 3". */ status: string }
  | { kind: 'quarantine'; /** The plugin's error reason, with the last crash's own. */ reason: string };

/** The deaths still inside the window at `now`, oldest first. */
export function recentDeaths(deaths: readonly number[] | undefined, now: number, policy: CrashPolicy): number[] {
  const since = now - policy.windowS * 1000;
  return (deaths ?? []).filter((at) => at > since && at <= now).sort((a, b) => a - b);
}

/** The outcome of a death that makes `deaths` deaths within the window; `reason` is why it died. */
export function crashOutcome(deaths: number, policy: CrashPolicy, reason: string): CrashOutcome {
  if (deaths >= policy.limit) {
    const crashes = `${policy.limit} ${policy.limit === 1 ? 'crash' : 'crashes'}`;
    return { kind: 'quarantine', reason: `quarantined after ${crashes} in ${windowInWords(policy.windowS)}; last crash: ${reason}` };
  }
  return { kind: 'restart', delayMs: policy.backoffMs * 2 ** (deaths - 1), status: `restart ${deaths} of ${policy.limit}` };
}

/** 600 -> "10 min", 3600 -> "1 h", 90 -> "90 s": the window as the setting says it, in words. */
export function windowInWords(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
