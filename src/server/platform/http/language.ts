import type { Lang } from '../../../common/errors.js';

/** Spanish unless the client prefers English over Spanish in Accept-Language. */
export function negotiateLanguage(header: string | undefined): Lang {
  if (!header) return 'es';
  const prefs = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((p) => p.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const p of prefs) {
    if (p.tag.startsWith('es')) return 'es';
    if (p.tag.startsWith('en')) return 'en';
  }
  return 'es';
}
