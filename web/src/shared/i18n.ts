import { createI18n } from 'vue-i18n';
import zhCN from '../locales/zh-CN';
import en from '../locales/en';
import es from '../locales/es';
import { storageGet, storageSet } from './util';

export const LANGS = ['zh-CN', 'en', 'es'] as const;
export type Lang = (typeof LANGS)[number];

const STORAGE_KEY = 'kefu.lang';

export function detectLang(): Lang {
  const stored = storageGet(localStorage, STORAGE_KEY);
  if (stored && (LANGS as readonly string[]).includes(stored)) return stored as Lang;
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const p of prefs) {
    const l = (p || '').toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('es')) return 'es';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

/** The language code the server uses (bot, knowledge base): zh, en, es. */
export function serverLang(l: Lang): 'zh' | 'en' | 'es' {
  return l === 'zh-CN' ? 'zh' : l;
}

/**
 * The language to ask the knowledge base in (suggestions, search): the page's language, except
 * that a Chinese page for a reader whose browser prefers traditional Chinese (zh-TW, zh-HK,
 * zh-Hant) asks for zh-TW, so questions and answers come back in traditional characters.
 */
export function kbAskLang(l: Lang): 'zh' | 'zh-TW' | 'en' | 'es' {
  if (l !== 'zh-CN') return l;
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const p of prefs) {
    const v = (p || '').toLowerCase();
    if (!v.startsWith('zh')) continue;
    return /^zh-(tw|hk|mo|hant)/.test(v) ? 'zh-TW' : 'zh';
  }
  return 'zh';
}

export type MessageSchema = typeof zhCN;

export const i18n = createI18n<[MessageSchema], Lang, false>({
  legacy: false,
  locale: detectLang(),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en, es },
  missingWarn: false,
  fallbackWarn: false,
});

export function setLang(l: Lang): void {
  i18n.global.locale.value = l;
  storageSet(localStorage, STORAGE_KEY, l);
  document.documentElement.lang = l;
}

export function currentLang(): Lang {
  return i18n.global.locale.value;
}

export function initDocumentLang(): void {
  document.documentElement.lang = i18n.global.locale.value;
}
