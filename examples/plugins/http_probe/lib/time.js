// "12 s ago": when a target was last checked, as a person reads it. Self-contained, because the
// page's script carries a copy of it (page.js) to keep the times counting in the browser.
export function timeAgo(iso, now) {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 5) return 'just now';
  if (seconds < 60) return seconds + ' s ago';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes + ' min ago';
  const hours = Math.round(minutes / 60);
  if (hours < 24) return hours + ' h ago';
  return new Date(iso).toLocaleString();
}
