import { sandboxError } from './errors.js';
import { NumberToString, ObjectDefineProperty, ObjectGetOwnPropertyDescriptor, ReflectApply } from './primordials.js';

/*
 * process.kill is JavaScript that calls process._kill, the raw binding, looked up on `process` at
 * call time; both are replaced, non-writable and non-configurable, so the only signals this process
 * can send go to itself (pid 0 and negative pids, the process group that holds the backend, are
 * refused too). process._debugProcess(pid) is a third way to signal: it sends SIGUSR1, which makes a
 * Node process outside the permission model (the backend, when it runs as the plugins' user) open
 * its inspector on 127.0.0.1:9229, full control of it to whoever connects; it is refused outright.
 * os.setPriority (renicing the backend) and v8.setFlagsFromString (V8 flags such as
 * --allow-natives-syntax change what code may do) are closed for the same reason.
 */

type Fn = (...args: unknown[]) => unknown;

function seal(target: object, name: string, make: (original: Fn) => Fn): void {
  const descriptor = ObjectGetOwnPropertyDescriptor(target, name);
  if (!descriptor || typeof descriptor.value !== 'function')
    throw new Error(`installGuards: ${name} not found; this Node version is not supported`);
  ObjectDefineProperty(target, name, {
    value: make(descriptor.value as Fn),
    writable: false,
    configurable: false,
    enumerable: descriptor.enumerable,
  });
}

export function guardProcess(os: object, v8: object): void {
  const ownPid = process.pid;
  const refuse = (pid: unknown) =>
    sandboxError(
      `sending a signal to process ${typeof pid === 'number' ? NumberToString(pid) : String(typeof pid)} is not granted: a plugin may signal only its own process (${NumberToString(ownPid)})`,
    );
  seal(
    process,
    '_kill',
    (original) =>
      function _kill(...args: unknown[]) {
        if (args[0] !== ownPid) throw refuse(args[0]);
        if (typeof args[1] !== 'number') throw sandboxError('process._kill needs a signal number');
        return ReflectApply(original, process, [ownPid, args[1]]);
      },
  );
  seal(
    process,
    'kill',
    (original) =>
      function kill(...args: unknown[]) {
        if (args[0] !== ownPid) throw refuse(args[0]);
        return ReflectApply(original, process, [ownPid, args[1]]);
      },
  );
  // On every Node the guards support; a Node without it has nothing here to refuse.
  if (ObjectGetOwnPropertyDescriptor(process, '_debugProcess'))
    seal(
      process,
      '_debugProcess',
      () =>
        function _debugProcess(...args: unknown[]) {
          throw sandboxError(
            `starting the inspector of process ${typeof args[0] === 'number' ? NumberToString(args[0]) : String(typeof args[0])} is not granted: process._debugProcess sends it SIGUSR1`,
          );
        },
    );
  seal(
    os,
    'setPriority',
    (original) =>
      function setPriority(...args: unknown[]) {
        // setPriority(priority) or setPriority(pid, priority); pid 0 is this process
        if (args.length >= 2 && args[0] !== 0 && args[0] !== ownPid)
          throw sandboxError(`changing the priority of process ${String(args[0])} is not granted`);
        return ReflectApply(original, os, args);
      },
  );
  seal(
    v8,
    'setFlagsFromString',
    () =>
      function setFlagsFromString() {
        throw sandboxError('changing V8 flags is not granted to plugins');
      },
  );
}
