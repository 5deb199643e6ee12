import type { Socket } from 'node:net';

/**
 * Lingering close, as nginx does it: once the answer has gone out, Node ends a `Connection: close`
 * socket with `destroySoon()`, and destroying it while the client is still sending makes the
 * kernel answer with a reset that can wipe the answer from the client's receive buffer before it
 * is read. Instead, send our FIN after the answer and keep reading (and dropping) what the client
 * still sends, until it closes its side or `maxMs` passes; only then destroy the socket.
 */
export function lingerOnClose(socket: Socket, maxMs: number): void {
  socket.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), maxMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', () => socket.destroy());
    socket.end();
    socket.resume();
  };
}
