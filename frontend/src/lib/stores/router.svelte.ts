// History-API routing: the current route (reactive), navigate(), and link interception.

import { matchRoute, type Route } from '../state/routes';

let current = $state.raw<Route>(matchRoute(location.pathname, location.search));

/** The page the URL names; read `router.route` in markup, `$derived` or `$effect`. */
export const router = {
  get route(): Route {
    return current;
  },
};

export function navigate(to: string, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  current = matchRoute(location.pathname, location.search);
  window.scrollTo({ top: 0 });
}

window.addEventListener('popstate', () => (current = matchRoute(location.pathname, location.search)));

// Same-origin <a href> clicks become in-app navigation (no full reload).
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = (ev.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
