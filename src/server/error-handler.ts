import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DetourError, toDetourError } from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { AllAttemptsFailed } from '../routing/index.js';
import { surfaceOf } from './surface.js';

/** Fastify's own errors (body parsing, limits) as Detour errors with a stable code. */
function fromFastifyError(error: FastifyError): DetourError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DetourError(
        'payload_too_large',
        'client_error',
        'request body is larger than the server allows',
        {
          status: 413,
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DetourError(
        'invalid_json',
        'client_error',
        'request body is empty; expected a JSON object',
        {
          status: 400,
        },
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DetourError('invalid_request', 'client_error', 'content-length does not match the body', {
        status: 400,
      });
    default:
      return undefined;
  }
}

/** Renders any error in the wire format of the surface the client called. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const detourError =
    error instanceof DetourError
      ? error
      : ((typeof error === 'object' && error !== null && 'code' in error
          ? fromFastifyError(error as FastifyError)
          : undefined) ?? toDetourError(error));
  if (detourError.status >= 500 && !(detourError instanceof AllAttemptsFailed)) {
    request.log.error({ err: error }, 'request failed inside Detour');
  }
  if (detourError instanceof AllAttemptsFailed && detourError.attempts.length > 0) {
    reply.header('x-detour-attempts', String(detourError.attempts.length));
  }
  const encoded = codecFor(surfaceOf(request.url)).encodeError(detourError);
  reply.status(encoded.status).headers(encoded.headers).send(encoded.body);
}
