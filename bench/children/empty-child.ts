// The empty Node child of the sandbox baseline: an IPC channel that answers, nothing else. The
// listener keeps it alive, as a plugin process's own channel does.
process.on('message', () => {});
process.send!('ready');
