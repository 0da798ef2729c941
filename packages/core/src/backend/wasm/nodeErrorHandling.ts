import { isNode } from '../../platform.js';

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listener = (...args: unknown[]) => void;
// One view of process's listener methods for both events (its overloads are per event).
const events = () =>
  process as unknown as {
    listeners(event: string): Listener[];
    removeListener(event: string, listener: Listener): void;
  };

/**
 * Keeps Node's own handling of uncaught errors while the wasm backend starts. tfjs-backend-wasm's Emscripten
 * glue (minified, one line of about 30 KB inlined in every tfjs-backend-wasm bundle, and no unminified build
 * exists) adds `process.on('uncaughtException', ex => { throw ex })` and the same for `unhandledRejection`
 * when its module starts in Node. From then on every uncaught error of the program, wherever thrown, is
 * rethrown from that line, and Node prints the line it was thrown from: some 40 KB of minified source before
 * the error. Call this before the module starts (`tf.setBackend('wasm')`) and the returned function after: it
 * removes the listeners added meanwhile, so that Node prints the error with its own throw site and stack.
 */
export function keepNodeErrorHandling(): () => void {
  if (!isNode) return () => {};
  const before = EVENTS.map((event) => new Set(events().listeners(event)));
  return () => {
    EVENTS.forEach((event, i) => {
      for (const listener of events().listeners(event)) {
        if (!before[i].has(listener)) events().removeListener(event, listener);
      }
    });
  };
}
