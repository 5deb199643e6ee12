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
