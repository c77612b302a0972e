import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Lang } from '../../../common/errors';
import { setApiLanguage } from '../api';
import { translate, translateMaybe, type MessageKey, type Params } from './dictionaries';

export type { MessageKey, Params };

const STORAGE_KEY = 'centinela.lang';
const HTML_LANG: Record<Lang, string> = { es: 'es-SV', en: 'en' };
const LOCALE: Record<Lang, string> = { es: 'es-SV', en: 'en-US' };

function initialLang(): Lang {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (stored === 'es' || stored === 'en') return stored;
  } catch {
    /* storage unavailable (private mode): Spanish */
  }
  return 'es';
}

type LangContextValue = { lang: Lang; setLang: (lang: Lang) => void; toggle: () => void };
const LangContext = createContext<LangContextValue | null>(null);

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    const l = initialLang();
    setApiLanguage(l);
    return l;
  });

  const setLang = useCallback((next: Lang) => {
    setApiLanguage(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* ignore */
    }
    setLangState(next);
  }, []);

  useEffect(() => {
    document.documentElement.lang = HTML_LANG[lang];
  }, [lang]);

  const value = useMemo(() => ({ lang, setLang, toggle: () => setLang(lang === 'es' ? 'en' : 'es') }), [lang, setLang]);
  return <LangContext.Provider value={value}>{children}</LangContext.Provider>;
}

export function useLang(): LangContextValue {
  const ctx = useContext(LangContext);
  if (!ctx) throw new Error('useLang outside LanguageProvider');
  return ctx;
}

export type T = ((key: MessageKey, params?: Params) => string) & {
  /** For a key computed at run time; `fallback` when the dictionary lacks it. */
  maybe: (key: string, fallback: string, params?: Params) => string;
  lang: Lang;
};

/** The translation function of the current language. */
export function useT(): T {
  const { lang } = useLang();
  return useMemo(() => {
    const t = ((key: MessageKey, params?: Params) => translate(lang, key, params)) as T;
    t.maybe = (key, fallback, params) => translateMaybe(lang, key, fallback, params);
    t.lang = lang;
    return t;
  }, [lang]);
}

/* ---------------------------------------------------------------- formats */

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value;
  // Numbers below 10^12 are taken as Unix seconds, others as milliseconds.
  const d = typeof value === 'number' ? new Date(value < 1e12 ? value * 1000 : value) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatDateTime(lang: Lang, value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  if (!d) return '—';
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium', timeStyle: 'medium' }).format(d);
}

export function formatDate(lang: Lang, value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  if (!d) return '—';
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'medium' }).format(d);
}

/** Numeric date with seconds, for dense tables. */
export function formatCompact(lang: Lang, value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  if (!d) return '—';
  return new Intl.DateTimeFormat(LOCALE[lang], { dateStyle: 'short', timeStyle: 'medium' }).format(d);
}

/** Time of day with seconds, 24-hour (an alert's time on a console). */
export function formatTime(lang: Lang, value: string | number | Date | null | undefined): string {
  const d = toDate(value);
  if (!d) return '—';
  return new Intl.DateTimeFormat(LOCALE[lang], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d);
}

export function formatNumber(lang: Lang, n: number): string {
  return new Intl.NumberFormat(LOCALE[lang]).format(n);
}

export function useFormat() {
  const { lang } = useLang();
  return useMemo(
    () => ({
      dateTime: (v: string | number | Date | null | undefined) => formatDateTime(lang, v),
      date: (v: string | number | Date | null | undefined) => formatDate(lang, v),
      compact: (v: string | number | Date | null | undefined) => formatCompact(lang, v),
      time: (v: string | number | Date | null | undefined) => formatTime(lang, v),
      number: (n: number) => formatNumber(lang, n),
    }),
    [lang],
  );
}
