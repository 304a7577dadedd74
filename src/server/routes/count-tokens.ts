import type { FastifyInstance } from 'fastify';
import { DetourError, invalidRequest } from '../../core/index.js';
import { classifyHttpFailure, classifyTransportError } from '../../providers/index.js';
import type { Gateway } from '../gateway.js';
import { clientKeyOf } from '../request-client-key.js';

/**
 * `POST /v1/messages/count_tokens`: answered by the first Anthropic deployment of the model, since
 * only Anthropic can count its own tokens exactly; any other model gets a clear 501.
 */
export function registerCountTokensRoute(app: FastifyInstance, gateway: () => Gateway): void {
  app.post('/v1/messages/count_tokens', async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalidRequest('request body must be a JSON object');
    }
    const model = (body as { model?: unknown }).model;
    if (typeof model !== 'string' || model === '')
      throw invalidRequest('model: a model name is required', 'model');
    const current = gateway();
    const key = clientKeyOf(request);
    if (key !== undefined) current.access?.control.checkScope(key, model);
    const route = current.table.get(model);
    if (route === undefined) {
      throw new DetourError('model_not_found', 'client_error', `The model '${model}' does not exist`, {
        status: 404,
        param: 'model',
      });
    }
    const deployment = route.deployments.find(
      (candidate) => candidate.provider.prepareCountTokens !== undefined,
    );
    const prepareCountTokens = deployment?.provider.prepareCountTokens?.bind(deployment.provider);
    if (deployment === undefined || prepareCountTokens === undefined) {
      throw new DetourError(
        'not_implemented',
        'client_error',
        `count_tokens needs an Anthropic deployment; model '${model}' has none`,
        { status: 501 },
      );
    }
    const provider = deployment.provider;
    const upstream = { provider: provider.name, deployment: deployment.deploymentId };
    const signal = AbortSignal.timeout(deployment.timeouts.firstTokenMs);
    let response: Awaited<ReturnType<typeof current.transport.request>>;
    let text: string;
    try {
      const call = await prepareCountTokens({
        upstreamModel: deployment.upstreamModel,
        body: { ...body, model: deployment.upstreamModel },
        clientHeaders: request.headers,
      });
      response = await current.transport.request({ ...call, signal });
      text = await response.body.text();
    } catch (error) {
      if (error instanceof DetourError) throw error;
      // The whole count runs under the first-token timeout: when it fires, say so (504), rather than
      // passing on the abort as a failed connection.
      if (signal.aborted) {
        throw new DetourError(
          'upstream_first_token_timeout',
          'timeout',
          'count_tokens: upstream sent no answer within the first-token timeout',
          { timeout: 'first_token', upstream, cause: error },
        );
      }
      throw classifyTransportError(error, upstream);
    }
    if (response.status >= 400) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      throw classifyHttpFailure({
        vendorErrorClasses: provider.vendorErrorClasses,
        status: response.status,
        headers: response.headers,
        details: provider.readErrorDetails(deployment.upstreamModel, response.headers, parsed, text),
        provider: provider.name,
        deployment: deployment.deploymentId,
        now: current.clock.now(),
      });
    }
    reply.header('x-detour-deployment', deployment.deploymentId).type('application/json').send(text);
  });
}
