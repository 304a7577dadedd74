import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { DetourError } from '../core/index.js';
import type { ClientFault } from './client-fault-log.js';
import { closeAfterAnswer, type DrainLimits } from './close-after-answer.js';

/** Fastify's callback for a content-type parser. */
export type BodyDone = (error: Error | null, body?: unknown) => void;

/** Options for {@link createBodyReader}. */
export interface BodyReaderOptions {
  /** Largest accepted body, in bytes (config `server.bodyLimit`). */
  bodyLimit: number;
  /** Longest the body may take to arrive once its headers have, in ms (config `server.bodyTimeout`). */
  bodyTimeoutMs: number;
  /** How a refused upload is drained before its connection closes. */
  drain: DrainLimits;
  /** Told about a client whose body timed out or who left mid-body (it logs, throttled). */
  onClientFault(fault: ClientFault, request: FastifyRequest, message: string): void;
}

/**
 * A Fastify content-type parser that reads the body as UTF-8 text and hands it to `parse`, under a
 * size limit and a deadline. It replaces Fastify's own reader because Detour must control what
 * happens to the connection when it refuses a body, and how a client that leaves is told apart
 * from a Detour fault:
 * - over `bodyLimit` (by `content-length`, or while streaming): 413;
 * - not arrived within `bodyTimeoutMs`: 408;
 * both in the client's API format (the error handler renders them) with `connection: close`
 * (Fastify sets it on every parser error), the rest of the upload drained (see {@link closeAfterAnswer}).
 * - The client closed the connection mid-body: a 499 `client_closed_request` nobody receives, and
 *   one throttled info line instead of an error with a stack.
 */
export function createBodyReader(
  options: BodyReaderOptions,
  parse: (body: string, done: BodyDone) => void,
): (request: FastifyRequest, payload: IncomingMessage, done: BodyDone) => void {
  return (request, payload, done) => {
    // Node frames the body by `content-length`, so it can never be longer or shorter than announced.
    const announced = Number(request.headers['content-length']);
    if (announced > options.bodyLimit) {
      refuse(payload, options.drain, done, tooLarge(options.bodyLimit));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      clearTimeout(deadline);
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onGone);
      payload.off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.bodyLimit) {
        stop();
        refuse(payload, options.drain, done, tooLarge(options.bodyLimit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      parse(
        (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received)).toString('utf8'),
        done,
      );
    };
    // 'error' is Node's `aborted` (ECONNRESET) when the connection closes before the body is complete;
    // 'close' without 'end' is the same thing said differently.
    const onGone = () => {
      stop();
      // Node closes the connection itself, with a bare 408, when `server.requestTimeout` passes first.
      const timedOut =
        (payload.socket.errored as NodeJS.ErrnoException | null)?.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const error = timedOut
        ? new DetourError(
            'request_timeout',
            'client_error',
            'request did not arrive within server.requestTimeout',
            {
              status: 408,
            },
          )
        : new DetourError(
            'client_closed_request',
            'client_error',
            'client closed the connection before its request body arrived',
            { status: 499 },
          );
      options.onClientFault(timedOut ? 'request_timeout' : 'client_closed_request', request, error.message);
      done(error);
    };
    const deadline = setTimeout(() => {
      stop();
      const error = new DetourError(
        'request_timeout',
        'client_error',
        `request body did not arrive within ${options.bodyTimeoutMs} ms`,
        { status: 408 },
      );
      options.onClientFault('request_timeout', request, error.message);
      refuse(payload, options.drain, done, error);
    }, options.bodyTimeoutMs);
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onGone);
    payload.on('close', onGone);
    // An async hook before the parser could have let the client leave already: 'close' has passed.
    if (payload.destroyed) onGone();
  };
}

function tooLarge(bodyLimit: number): DetourError {
  return new DetourError(
    'payload_too_large',
    'client_error',
    `request body is larger than the server allows (${bodyLimit} bytes)`,
    { status: 413 },
  );
}

function refuse(payload: IncomingMessage, drain: DrainLimits, done: BodyDone, error: DetourError): void {
  closeAfterAnswer(payload, drain);
  done(error);
}
