import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.js';
import { authorize } from '../routes/admin.js';
import { injectAdminApi } from './admin-api.js';
import { createMcpServer } from './create-mcp-server.js';

/**
 * `POST /mcp`: the MCP server over streamable HTTP, stateless (a server and transport per request,
 * no session to keep across replicas), answering JSON rather than an SSE stream. Same admin key as
 * `/admin/*`, checked before anything else; the tools then call the admin routes in process with it.
 * `GET` (a server-to-client stream) and `DELETE` (ending a session) have no use without sessions.
 */
export function registerMcpRoute(app: FastifyInstance, gateway: () => Gateway): void {
  app.post('/mcp', async (request, reply) => {
    authorize(gateway(), request);
    const server = createMcpServer(injectAdminApi(app, request.headers.authorization ?? ''));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.raw.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // The transport writes the answer itself on the raw response.
    reply.hijack();
    try {
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      // Past the hijack Fastify's error handler cannot answer: say it here, in JSON-RPC's shape.
      request.log.error({ err: error }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null }),
        );
      }
    }
  });

  const notAllowed = {
    jsonrpc: '2.0',
    error: {
      code: -32000,
      message: 'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC to it',
    },
    id: null,
  };
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      handler: async (request, reply) => {
        authorize(gateway(), request);
        reply.status(405).header('allow', 'POST');
        return notAllowed;
      },
    });
  }
}
