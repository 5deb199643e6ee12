/** The environment `npm start` gives both services (scripts/start-env.mjs). */
export function startEnv(env: NodeJS.ProcessEnv, root: string): NodeJS.ProcessEnv;
