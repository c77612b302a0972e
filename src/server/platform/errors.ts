import type { ErrorCode } from '../../common/errors.js';

export type FieldIssue = { path: string; code: string; message: string };

/** A failure the client can act on: a stable code, an HTTP status and message parameters. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 423 | 429 | 503,
    readonly params: Record<string, string | number> = {},
    readonly extra: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(code, cause === undefined ? undefined : { cause });
  }
}

export const notFound = () => new AppError('not_found', 404);
export const forbidden = () => new AppError('forbidden', 403);
export const conflict = (extra: Record<string, unknown> = {}) => new AppError('conflict', 409, {}, extra);
