import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PluginRequest } from '@oko/shared';
import type { RouteReply } from '../plugin-manager/protocol.js';

/** Headers that describe one HTTP hop; they are not the plugin's to set or to see. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);

export function toPluginRequest(request: FastifyRequest, pluginPath: string): PluginRequest {
  const headers: PluginRequest['headers'] = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  return {
    method: request.method,
    path: pluginPath,
    params: {},
    query: { ...(request.query as PluginRequest['query']) },
    headers,
    body: request.body,
  };
}

/** Sends what a plugin answered: its status and headers; a string as text, anything else as JSON. */
export function sendPluginReply(reply: FastifyReply, answer: RouteReply, textType = 'text/plain; charset=utf-8'): FastifyReply {
  reply.status(answer.status);
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) reply.header(name, value);
  }
  if (answer.body === undefined) return reply.send();
  if (typeof answer.body === 'string') {
    if (!reply.hasHeader('content-type')) reply.type(textType);
    return reply.send(answer.body);
  }
  if (!reply.hasHeader('content-type')) reply.type('application/json; charset=utf-8');
  return reply.send(JSON.stringify(answer.body));
}
