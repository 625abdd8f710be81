// The one mapping from errors to responses: every error body is { error: code, message }.
//   ApiError (the facade)          -> its statusCode, code and message
//   schema validation              -> 400 bad-request, the message naming the field
//   Fastify client errors          -> their 4xx (400 malformed JSON, 413 body too large, 415, ...)
//   anything else                  -> 500 internal-error with a generic message; logged, never echoed
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../node-api.ts';

export interface ErrorBody {
  error: string;
  message: string;
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
};

const MESSAGE_BY_FASTIFY_CODE: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type: send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request body size does not match Content-Length',
};

function isApiError(err: unknown): err is ApiError {
  if (err instanceof ApiError) return true;
  // The same class loaded twice (two module instances) still carries its shape.
  const e = err as Partial<ApiError> | null;
  return !!e && typeof e === 'object' && e.name === 'ApiError' && typeof e.statusCode === 'number' && typeof e.code === 'string';
}

/** "body.ballot.contests[0].proof" from a validation context and a JSON pointer. */
function fieldPath(context: string, instancePath: string, extra?: string): string {
  let path = context;
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  if (extra !== undefined) path += `.${extra}`;
  return path;
}

/** One readable sentence naming the first offending field. */
export function validationMessage(issues: ValidationIssue[], context = 'request'): string {
  const issue = issues[0];
  if (!issue) return `${context} is invalid`;
  const params = issue.params ?? {};
  const at = issue.instancePath ?? '';
  switch (issue.keyword) {
    case 'required':
      return `${fieldPath(context, at, String(params.missingProperty))} is required`;
    case 'additionalProperties':
      return `${fieldPath(context, at, String(params.additionalProperty))} is not allowed`;
    case 'type':
      return `${fieldPath(context, at)} must be ${String(params.type).replace(/,/g, ' or ')}`;
    case 'pattern':
      if (params.pattern === '^[0-9a-f]{64}$') return `${fieldPath(context, at)} must be 64 lowercase hex characters`;
      return `${fieldPath(context, at)} has the wrong format`;
    default:
      return `${fieldPath(context, at)} ${issue.message ?? 'is invalid'}`;
  }
}

export function errorBody(error: string, message: string): ErrorBody {
  return { error, message };
}

/** The error handler of the REST server. */
export function handleError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (isApiError(err)) {
    const status = err.statusCode >= 400 && err.statusCode <= 599 ? err.statusCode : 500;
    if (status >= 500 && status !== 503) request.log.error({ err }, 'facade error');
    void reply.code(status).send(errorBody(err.code, err.message));
    return;
  }
  const fe = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    void reply.code(400).send(errorBody('bad-request', validationMessage(fe.validation, fe.validationContext)));
    return;
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 0;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (parsers, limits): their messages are fixed strings, safe to show.
    const message = (fe.code && MESSAGE_BY_FASTIFY_CODE[fe.code]) ?? (status === 413 ? 'request body is too large' : fe.code?.startsWith('FST_') ? fe.message : 'bad request');
    void reply.code(status).send(errorBody(CODE_BY_STATUS[status] ?? 'bad-request', message));
    return;
  }
  request.log.error({ err }, 'internal error');
  void reply.code(500).send(errorBody('internal-error', 'internal server error'));
}

/** For routes that do not exist. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody('not-found', `no route ${request.method} ${request.url.split('?')[0]}`));
}
