/**
 * What a tab keeps for its signed-in user lives in sessionStorage under this prefix, so that signing
 * out (or a session found ended) forgets all of it at once, whichever screens this tab has loaded.
 */
export const USER_STORAGE_PREFIX = 'centinela.user.';

export function forgetUserStorage(): void {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(USER_STORAGE_PREFIX)) sessionStorage.removeItem(key);
  } catch {
    /* storage blocked: there is nothing in it to forget */
  }
}
