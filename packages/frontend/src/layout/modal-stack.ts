// Dialogs can open over one another; only the top one answers Escape and Tab.
const stack: symbol[] = [];

export function pushModal(id: symbol): void {
  stack.push(id);
}

export function popModal(id: symbol): void {
  const index = stack.indexOf(id);
  if (index >= 0) stack.splice(index, 1);
}

export function isTopModal(id: symbol): boolean {
  return stack[stack.length - 1] === id;
}

/** A dialog is open: it owns Escape, so the layout's panels leave it alone. */
export function anyModalOpen(): boolean {
  return stack.length > 0;
}

// The element that last had focus. An opener that disables itself while it prepares the dialog
// (Install reads the entry and the trusted keys first) drops focus to <body> before the dialog
// opens; the dialog then gives focus back to this element rather than to nothing.
let lastFocused: HTMLElement | null = null;
if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (event) => {
    if (event.target instanceof HTMLElement) lastFocused = event.target;
  });
}

/** Where focus goes back when a dialog that opens now closes: the focused element, else the last one. */
export function focusReturnTarget(): HTMLElement | null {
  const active = document.activeElement;
  if (active instanceof HTMLElement && active !== document.body) return active;
  return lastFocused?.isConnected ? lastFocused : null;
}
