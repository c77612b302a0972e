import type { Lang } from '../../common/errors';
import { translate } from './i18n/dictionaries';

/** One field-level issue of an RFC 9457 problem (e.g. path "body.username"). */
export type FieldIssue = { path: string; code: string; message: string };

/** RFC 9457 problem body as the Centinela server sends it; `detail` is already in the request's language. */
export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId?: string;
  instance?: string;
  errors?: FieldIssue[];
  [extra: string]: unknown;
};

export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title || problem.code);
    this.name = 'ProblemError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string {
    return this.problem.code;
  }

  /** The server's message for one field, matching "body.<name>", "<name>" or any path ending in ".<name>". */
  fieldError(name: string): string | undefined {
    const issue = this.problem.errors?.find(
      (e) => e.path === name || e.path === `body.${name}` || e.path.endsWith(`.${name}`) || e.path.startsWith(`body.${name}.`),
    );
    return issue?.message;
  }
}

export const isProblem = (e: unknown): e is ProblemError => e instanceof ProblemError;

/* ---------------------------------------------------------------- language */

let currentLang: Lang = 'es';

/** Called by the language provider so that every request carries the user's language. */
export function setApiLanguage(lang: Lang): void {
  currentLang = lang;
}

const acceptLanguage = (lang: Lang) => (lang === 'en' ? 'en, es;q=0.5' : 'es-SV, es;q=0.9');

/* ---------------------------------------------------------- session expiry */

type SessionListener = (problem: Problem) => void;
const sessionListeners = new Set<SessionListener>();

/** Subscribes to "the session is gone" (a 401 unauthenticated / session_expired on an ordinary call). */
export function onSessionLost(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

const SESSION_LOST_CODES = new Set(['unauthenticated', 'session_expired']);

/* ------------------------------------------------------------------ fetch */

export type Query = Record<string, string | number | boolean | null | undefined>;

export type ApiOptions = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Do not announce a lost session on 401 (used by the start-up "who am I" probe and the login flow). */
  quietAuth?: boolean;
};

export function buildUrl(path: string, query?: Query): string {
  const url = `/api${path.startsWith('/') ? path : `/${path}`}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

function localProblem(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: code, status, code, detail };
}

/** Typed JSON call to the Centinela API; throws ProblemError for any non-2xx answer or network failure. */
export async function apiFetch<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const response = await send(path, options, 'application/json, application/problem+json');
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A file from the API (evidence, PDFs), with the same errors as apiFetch. */
export async function apiFetchBlob(path: string, options: ApiOptions = {}): Promise<Blob> {
  return (await send(path, options, '*/*')).blob();
}

/** The request every API call makes: language, credentials, and one problem for any failure. */
async function send(path: string, options: ApiOptions, accept: string): Promise<Response> {
  const { method = 'GET', body, query, signal, quietAuth = false } = options;
  const headers: Record<string, string> = {
    Accept: accept,
    'Accept-Language': acceptLanguage(currentLang),
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ProblemError(localProblem(0, 'network_error', translate(currentLang, 'error.network')));
  }

  if (response.ok) return response;

  let problem: Problem;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const raw = (await response.json()) as Partial<Problem>;
      problem = {
        ...raw,
        type: raw.type ?? 'about:blank',
        title: raw.title ?? String(response.status),
        status: raw.status ?? response.status,
        code: raw.code ?? 'http_error',
        detail: raw.detail ?? translate(currentLang, 'error.unexpected', { status: response.status }),
      };
    } catch {
      problem = localProblem(response.status, 'http_error', translate(currentLang, 'error.unexpected', { status: response.status }));
    }
  } else {
    problem = localProblem(response.status, 'http_error', translate(currentLang, 'error.unexpected', { status: response.status }));
  }
  if (!problem.requestId) {
    const rid = response.headers.get('x-request-id');
    if (rid) problem.requestId = rid;
  }

  if (response.status === 401 && !quietAuth && SESSION_LOST_CODES.has(problem.code)) {
    for (const listener of sessionListeners) listener(problem);
  }
  throw new ProblemError(problem);
}

/** The server's message for one form field, if `error` is a problem that names it. */
export function fieldErrorOf(error: unknown, name: string): string | undefined {
  return isProblem(error) ? error.fieldError(name) : undefined;
}
