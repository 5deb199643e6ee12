import { Type } from '@fastify/type-provider-typebox';
import { CatalogRef } from '@oko/shared';

export const PluginIdParams = Type.Object({ id: CatalogRef });
