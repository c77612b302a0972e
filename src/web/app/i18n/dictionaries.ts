import type { Lang } from '../../../common/errors';
import { en } from './en';
import { es, type MessageKey } from './es';

export type { MessageKey };
export type Params = Record<string, string | number>;

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { es, en };

/** Looks a key up and fills `{name}` placeholders. */
export function translate(lang: Lang, key: MessageKey, params: Params = {}): string {
  return DICTIONARIES[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** For keys built at run time (e.g. an action name): falls back when the dictionary lacks it. */
export function translateMaybe(lang: Lang, key: string, fallback: string, params: Params = {}): string {
  return key in DICTIONARIES[lang] ? translate(lang, key as MessageKey, params) : fallback;
}
