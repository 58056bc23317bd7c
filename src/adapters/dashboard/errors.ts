/**
 * One JSON error shape for every /api route: `{ error: { code, message, parameter? } }`.
 * Messages say what was wrong, where, and how to fix it; they never echo a token.
 */
import type { FastifyReply } from 'fastify';

export type ApiErrorCode =
  | 'invalid_parameter'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'confirmation_required'
  | 'unavailable'
  | 'internal';

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly parameter?: string };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }

  body(): ApiErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.parameter === undefined ? {} : { parameter: this.parameter }),
      },
    };
  }
}

export function invalidParameter(parameter: string, message: string): ApiError {
  return new ApiError(400, 'invalid_parameter', `${parameter}: ${message}`, parameter);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, 'not_found', message);
}

export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.status).type('application/json').send(error.body());
}
