// The report's only script, inline: the filters by status and the search box over the checks, and
// opening the way to a check whose anchor is followed. The page is whole without it: the controls
// stay hidden (they need it) and every check is there. It reads the page and touches nothing
// outside it (no network, no storage), and is allowed by hash in the page's Content-Security-Policy
// (contentSecurityPolicy), as is the style: no other script, inline style attribute, or resource of
// any kind can load.
import { createHash } from 'node:crypto';

// Elements it relies on (checks.ts): #filters (hidden) with checkboxes of the statuses, #find, #shown;
// in #checks, every check with data-status, within a [data-suite] element; .box: a container (a
// suite, a group of passes, a skip reason) that, while the view is narrowed by a filter or a search,
// hides when none of its checks is shown, and opens (a <details>) when one is, so what matches is seen.
export const SCRIPT = `(() => {
  const bar = document.getElementById('filters'), find = document.getElementById('find'), shown = document.getElementById('shown');
  if (!bar || !find || !shown) return;
  const checks = [...document.querySelectorAll('#checks [data-status]')];
  const boxes = [...document.querySelectorAll('#checks .box')].reverse();
  const groups = new Map([...document.querySelectorAll('#checks details.box')].map((d) => [d, d.open]));
  const text = new Map(checks.map((c) => [c, [c.closest('[data-suite]')?.dataset.suite, c.closest('.reason')?.firstElementChild?.textContent, c.textContent].join(' ').toLowerCase()]));
  const statuses = [...bar.querySelectorAll('input[type=checkbox]')];
  const apply = () => {
    const on = new Set(statuses.filter((s) => s.checked).map((s) => s.value));
    const words = find.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let n = 0;
    for (const c of checks) {
      c.hidden = !on.has(c.dataset.status) || !words.every((w) => text.get(c).includes(w));
      if (!c.hidden) n++;
    }
    const narrowed = words.length > 0 || on.size < statuses.length;
    for (const b of boxes) b.hidden = narrowed && !b.querySelector('[data-status]:not([hidden])');
    for (const [d, open] of groups) d.open = narrowed ? !d.hidden : open;
    shown.value = n === checks.length ? n + ' checks' : n + ' of ' + checks.length + ' checks';
  };
  const reveal = () => {
    const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (!target) return;
    if (target.closest('[hidden]')) {
      for (const s of statuses) s.checked = true;
      find.value = '';
      apply();
    }
    for (let e = target.parentElement; e; e = e.parentElement) if (e.tagName === 'DETAILS') e.open = true;
    target.scrollIntoView();
  };
  bar.addEventListener('input', apply);
  addEventListener('hashchange', reveal);
  bar.hidden = false;
  apply();
  reveal();
})();`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

// Nothing loads but this style and this script: no network, no other inline code, no form.
export function contentSecurityPolicy(style: string, script: string): string {
  return `default-src 'none'; style-src ${sha256(style)}; script-src ${sha256(script)}; base-uri 'none'; form-action 'none'`;
}
