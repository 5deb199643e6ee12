// Node-only entry (`@oko/shared/server`): what the store and the backend share as Fastify services
// (error answers, config from the environment, listening and graceful shutdown, durable writes).
export { writeFileAtomic, syncFolder, type AtomicWriteOptions } from './atomic-write.js';
export { ConfigError, envError, originList, parseEnv, packageVersion } from './env.js';
export { registerErrorHandler, frameworkErrorHandler, notFoundHandler, notFoundBody, type ErrorHandlerOptions } from './error-handler.js';
export { BoundedLru } from './bounded-lru.js';
export { ifNoneMatch } from './if-none-match.js';
export { listenWithGrace, configOrExit, type ServeOptions } from './serve.js';
export { findFileInside } from './safe-path.js';
