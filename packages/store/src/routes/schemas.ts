import { Type } from '@fastify/type-provider-typebox';

export const PluginIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'Catalog id, or a plugin name (newest version)' }),
});

