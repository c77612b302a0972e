import { describe, expect, it } from 'vitest';
import { negotiateLanguage } from './language.js';

describe('negotiateLanguage', () => {
  it('defaults to Spanish when there is no header or no known language', () => {
    expect(negotiateLanguage(undefined)).toBe('es');
    expect(negotiateLanguage('fr-FR, de;q=0.5')).toBe('es');
  });
  it('chooses English when the client prefers it', () => {
    expect(negotiateLanguage('en-US,en;q=0.9,es;q=0.8')).toBe('en');
  });
  it('respects quality values over order', () => {
    expect(negotiateLanguage('en;q=0.4, es-SV;q=0.9')).toBe('es');
    expect(negotiateLanguage('es;q=0, en')).toBe('en');
  });
});
