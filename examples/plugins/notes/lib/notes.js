// Rules for one note: what a user may send, and the limits that keep the file small.
import { randomUUID } from 'node:crypto';

export const MAX_NOTES = 1000;
const MAX_TITLE = 200;
const MAX_TEXT = 10000;

/** Checks a new note or a change to one; answers `{ value }` or `{ problems }`. */
export function parseNote(body, { partial = false } = {}) {
  const input = body && typeof body === 'object' ? body : {};
  const problems = [];
  const value = {};
  if (input.text !== undefined || !partial) {
    if (typeof input.text !== 'string' || input.text.trim() === '') problems.push('text: is required');
    else if (input.text.length > MAX_TEXT) problems.push(`text: at most ${MAX_TEXT} characters`);
    else value.text = input.text;
  }
  if (input.title !== undefined) {
    if (typeof input.title !== 'string' || input.title.length > MAX_TITLE)
      problems.push(`title: a string of at most ${MAX_TITLE} characters`);
    else value.title = input.title.trim();
  }
  if (input.pinned !== undefined) {
    if (typeof input.pinned !== 'boolean') problems.push('pinned: must be true or false');
    else value.pinned = input.pinned;
  }
  return problems.length > 0 ? { problems } : { value };
}

export function newNote(value) {
  const now = new Date().toISOString();
  const title = value.title || value.text.split('\n')[0].slice(0, 60);
  return { id: randomUUID(), title, text: value.text, pinned: value.pinned ?? false, created_at: now, updated_at: now };
}

/** Pinned notes first, then the most recently changed. */
export function sortNotes(items) {
  return [...items].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updated_at.localeCompare(a.updated_at));
}

export function matches(note, q) {
  const needle = q.toLowerCase();
  return note.title.toLowerCase().includes(needle) || note.text.toLowerCase().includes(needle);
}
