// The one mapping from errors to responses: every error body is { error: code, message }, and
// the HTTP status of every code is chosen here and nowhere else.
//   TallyMeshError (facade, protocol, durable precinct)  -> STATUS_BY_CODE[code], its code and message
//   schema validation                                    -> 400 bad-request, the message naming the field
//   Fastify client errors                                -> their 4xx (400 malformed JSON, 413, 415, ...)
//   anything else (and a code without a status here)     -> 500 internal-error, logged, never echoed
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isTallyMeshError } from '../../errors/tallymesh-error.ts';
import { PROTOCOL_ERROR_CODES } from '../../protocol/errors.ts';
import type { DurablePrecinctErrorCode } from '../durable-precinct.ts';
import type { ApiErrorCode } from '../api/node-api.ts';

export interface ErrorBody {
  error: string;
  message: string;
}

/** Every code a route may answer with, and its status. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // An artifact that does not parse or validate (structure, election, proofs, signatures): the
  // client's fault.
  ...Object.fromEntries(PROTOCOL_ERROR_CODES.map((code) => [code, 400])),
  ...({
    'not-a-precinct': 404,
    'not-a-trustee': 404,
    'unknown-node': 404,
    'unknown-ballot': 404,
    'no-result': 404,
    'not-held': 404,
    'no-national-tally': 409,
    'hierarchy-incomplete': 409,
    unauthorized: 401,
    'too-many-listeners': 503,
  } satisfies Record<ApiErrorCode, number>),
  ...({
    'voter-already-voted': 409,
    'ballot-already-logged': 409,
    'ballot-id-taken': 409,
    'invalid-input': 400,
    'polls-closed': 503,
    'polls-not-open': 503,
    // A precinct that stopped after a storage failure, or is shutting down: try again later.
    stopped: 503,
    'shut-down': 503,
    'recovery-failed': 503,
  } satisfies Record<DurablePrecinctErrorCode, number>),
};

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
  if (isTallyMeshError(err) && STATUS_BY_CODE[err.code] !== undefined) {
    const status = STATUS_BY_CODE[err.code]!;
    if (err.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer realm="tallymesh-admin"');
    if (err.code === 'too-many-listeners') void reply.header('retry-after', '5');
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
