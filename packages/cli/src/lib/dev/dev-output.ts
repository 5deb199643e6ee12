import { formatIssue, type DevLogEvent, type DevPluginStatus, type DevStateEvent, type ValidationIssue } from '@oko/shared';

/**
 * Text from the backend (log lines, error reasons, messages) with control characters shown as
 * `\xNN`: a plugin's log line could otherwise move the cursor, clear the screen or retitle the
 * terminal of whoever runs `dev`. Newlines stay (a stack), tabs too.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `12:03:04`: a dev session is read live, so the time of day is enough. */
function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toTimeString().slice(0, 8);
}

const indent = (text: string) =>
  printable(text)
    .split('\n')
    .map((line) => `    ${line}`);

/**
 * The state after a push: `● weather_probe 1.2.0 active (reloaded in 180 ms)`. A plugin whose
 * code failed shows the reason under it, as the backend gives it (its stack names the file and line).
 */
export function statusLines(status: DevPluginStatus, first: boolean): string[] {
  const timing = status.reload_ms === undefined ? '' : ` (${first ? 'loaded' : 'reloaded'} in ${status.reload_ms} ms)`;
  const lines = [printable(`● ${status.name} ${status.version} ${status.state}${timing}`)];
  if (status.error) lines.push(...indent(status.error.reason));
  if (status.permissions_added && status.permissions_added.length > 0) {
    lines.push(`granted for this session: ${printable(status.permissions_added.join(', '))}`);
  }
  return lines;
}

/** A save the backend did not apply (manifest.json or ui.yaml): each problem, then what still runs. */
export function refusedLines(refused: { message: string; issues: readonly ValidationIssue[] }, lastGood: boolean): string[] {
  const issues = refused.issues.map((issue) => `  ${printable(formatIssue(issue))}`);
  return [`✗ not applied: ${printable(refused.message)}`, ...issues, keptLine(lastGood)];
}

/** Problems the CLI found before sending (the store's validators, as `validate` runs them). */
export function invalidLines(issues: readonly ValidationIssue[], lastGood: boolean): string[] {
  const lines = [...new Set(issues.map((issue) => `  ${formatIssue(issue)}`))];
  return [`✗ ${lines.length} problem(s) found; nothing sent`, ...lines, keptLine(lastGood)];
}

export function buildFailedLines(lines: readonly string[], lastGood: boolean): string[] {
  return ['✗ the build failed; nothing sent', ...lines.map((line) => `  ${line}`), keptLine(lastGood)];
}

function keptLine(lastGood: boolean): string {
  return lastGood ? '  kept the last good version running' : '  no good version runs yet: fix it and save';
}

export function logLine(event: DevLogEvent): string {
  return `${clock(event.at)} ${printable(event.level).padEnd(5)} ${printable(event.message)}`;
}

/** A change the backend reports on its own (a crash, a restart): `● weather_probe error` and the reason. */
export function stateEventLines(name: string, event: DevStateEvent): string[] {
  const lines = [printable(`${clock(event.at)} ● ${name} ${event.state}`)];
  if (event.error) lines.push(...indent(event.error.reason));
  return lines;
}
