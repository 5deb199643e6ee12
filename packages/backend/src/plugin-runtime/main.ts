import { installGuards } from './guards/index.js';
// Types only: this folder is all a plugin's process may read of the backend (docs/architecture.md#sandbox).
import type { ToHost } from '../plugin-manager/protocol.js';

/*
 * Entry of a plugin's process. The backend forks it under Node's permission model with a fresh
 * environment, then sends one `start` message: the plugin's data and the guard policy. The guards
 * go in before any plugin code is imported, so nothing the plugin runs sees the unguarded modules.
 */

// The backend gone (or the channel closed by plugin code) leaves nobody to answer: end at once,
// so a backend killed with -9 leaves no plugin processes behind.
process.on('disconnect', () => process.exit(0));

process.once('message', (message: ToHost) => {
  if (message?.type !== 'start') {
    process.exit(70);
  }
  installGuards(message.policy);
  void import('./context.js').then(({ startPlugin }) => startPlugin(message.data));
});
