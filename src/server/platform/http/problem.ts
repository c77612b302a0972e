import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { errorMessage, type ErrorCode } from '../../../common/errors.js';
import { AppError, type FieldIssue } from '../errors.js';

export const PROBLEM_TYPE_BASE = 'https://centinela.gob.sv/problems/';

/** RFC 9457 body; `code` is stable, `detail` is in the request's language. */
export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  params: Record<string, string | number> = {},
  extra: Record<string, unknown> = {},
) {
  const detail = errorMessage(code, req.lang ?? 'es', { ...params, requestId: req.id });
  return reply
    .status(status)
    .type('application/problem+json')
    .header('content-language', req.lang ?? 'es')
    .send({
      // Extension members first: they can add to the problem, never replace its standard members.
      ...extra,
      type: PROBLEM_TYPE_BASE + code,
      title: code,
      status,
      code,
      detail,
      instance: req.url.split('?')[0],
      requestId: req.id,
    });
}

function validationIssues(error: FastifyError): FieldIssue[] {
  if (hasZodFastifySchemaValidationErrors(error)) {
    return error.validation.map((v) => ({
      path: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].filter(Boolean).join('.'),
      code: String(v.keyword),
      message: String(v.message),
    }));
  }
  return (error.validation ?? []).map((v) => ({
    path: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].filter(Boolean).join('.'),
    code: String(v.keyword),
    message: String(v.message),
  }));
}

const PG_CLIENT_ERRORS: Record<string, [400 | 409 | 422, 'validation_failed' | 'conflict']> = {
  '23503': [422, 'validation_failed'], // foreign key: a referenced id does not exist
  '23505': [409, 'conflict'], // unique
  '23514': [422, 'validation_failed'], // check constraint
  '22P02': [400, 'validation_failed'], // invalid text representation
  '22001': [400, 'validation_failed'], // string too long
  '22003': [400, 'validation_failed'], // numeric out of range
  '22007': [400, 'validation_failed'], // invalid datetime format
  '22008': [400, 'validation_failed'], // datetime out of range
  '22021': [400, 'validation_failed'], // character not in repertoire
};

/** One place maps every failure to problem+json; nothing internal (stack, SQL) reaches the client. */
export function errorHandler(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    // A dependency that failed (503) is for the operator to see; its cause never reaches the client.
    if (error.status >= 500) req.log.error({ err: error.cause ?? error, code: error.code }, 'dependency unavailable');
    return sendProblem(req, reply, error.status, error.code, error.params, error.extra);
  }
  if (error.validation) {
    return sendProblem(req, reply, 400, 'validation_failed', {}, { errors: validationIssues(error) });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(req, reply, 400, 'malformed_body');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(req, reply, 413, 'body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendProblem(req, reply, 415, 'unsupported_media_type');
    default:
      break;
  }
  if (error.statusCode === 429) return sendProblem(req, reply, 429, 'rate_limited');
  const pgCode = (error as { code?: unknown }).code;
  if (typeof pgCode === 'string' && PG_CLIENT_ERRORS[pgCode]) {
    // A constraint or type the database enforces and the schema did not: still the client's input.
    req.log.warn({ pgCode, constraint: (error as { constraint?: string }).constraint }, 'database refused client input');
    const [status, code] = PG_CLIENT_ERRORS[pgCode];
    return sendProblem(req, reply, status, code);
  }
  if (error instanceof SyntaxError && error.statusCode === 400) return sendProblem(req, reply, 400, 'malformed_body');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(req, reply, error.statusCode, 'validation_failed');
  }
  req.log.error({ err: error }, 'unhandled error');
  return sendProblem(req, reply, 500, 'internal_error');
}
