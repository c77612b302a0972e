import { useEffect, type RefObject } from 'react';

// Where focus may land when the control that had it is gone: the nearest of these that is still there.
const LANDINGS = 'section, form, ul, ol, table, [role="group"]';

/**
 * Keeps the keyboard inside `container` when the focused control disappears in a re-render, as an
 * action's button does once the action is done (a unit assigned, a status marked): without this the
 * browser drops focus to the page and a keyboard user starts again from the top. Focus goes back to
 * the same control if it is there and enabled again, else to the nearest section or list around where
 * it was, else to `fallback`. A user who moved focus away on purpose is left alone.
 */
export function useFocusRescue(container: RefObject<HTMLElement | null>, fallback: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const root = container.current;
    if (!root) return undefined;
    let last: HTMLElement | null = null;
    let around: HTMLElement[] = [];
    const lost = () => document.activeElement === null || document.activeElement === document.body;

    const onFocusIn = (e: FocusEvent) => {
      last = e.target as HTMLElement;
      around = [];
      for (let n = last.parentElement; n && n !== root; n = n.parentElement) if (n.matches(LANDINGS)) around.push(n);
    };
    // Focus that went elsewhere (Tab, a click on another control), or left a control still there and usable, was moved by the user.
    const onFocusOut = (e: FocusEvent) => {
      const target = e.target as HTMLElement;
      if (e.relatedTarget instanceof Node && !root.contains(e.relatedTarget)) {
        last = null;
        return;
      }
      queueMicrotask(() => {
        if (target === last && target.isConnected && !isDisabled(target)) last = null;
      });
    };
    // A click outside the panel, even on nothing focusable (the map, the page), says the user is elsewhere.
    const onPointerDown = (e: PointerEvent) => {
      if (!(e.target instanceof Node) || !root.contains(e.target)) last = null;
    };
    const rescue = () => {
      if (!last) return;
      if (!lost()) {
        if (!root.contains(document.activeElement)) last = null;
        return;
      }
      if (last.isConnected) {
        // Disabled while its request runs: focus comes back to it when it is enabled again.
        if (!isDisabled(last)) last.focus({ preventScroll: true });
        return;
      }
      const landing = around.find((n) => n.isConnected && root.contains(n)) ?? fallback.current;
      last = null;
      if (!landing) return;
      if (!landing.hasAttribute('tabindex')) landing.setAttribute('tabindex', '-1');
      landing.focus({ preventScroll: true });
    };

    const observer = new MutationObserver(rescue);
    observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
    root.addEventListener('focusin', onFocusIn);
    root.addEventListener('focusout', onFocusOut);
    document.addEventListener('pointerdown', onPointerDown, true);
    return () => {
      observer.disconnect();
      root.removeEventListener('focusin', onFocusIn);
      root.removeEventListener('focusout', onFocusOut);
      document.removeEventListener('pointerdown', onPointerDown, true);
    };
  }, [container, fallback]);
}

const isDisabled = (el: HTMLElement) => (el as HTMLButtonElement).disabled === true;
