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

/** One place maps every failure to problem+json; nothing internal (stack, SQL) reaches the client. */
export function errorHandler(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) return sendProblem(req, reply, error.status, error.code, error.params, error.extra);
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
  if (error instanceof SyntaxError && error.statusCode === 400) return sendProblem(req, reply, 400, 'malformed_body');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(req, reply, error.statusCode, 'validation_failed');
  }
  req.log.error({ err: error }, 'unhandled error');
  return sendProblem(req, reply, 500, 'internal_error');
}
