// shownKeys returns the catalog keys a page shows instead of a text: in
// its visible text, or in the placeholder, title, aria-label or value of
// an element. The catalog is the page's own (window.i18n.messages).
export function shownKeys(page) {
  return page.evaluate(() => {
    const keys = Object.keys(window.i18n.messages);
    const texts = [document.body.innerText, document.title];
    for (const e of document.querySelectorAll('[placeholder], [title], [aria-label], input[value], option')) {
      texts.push(e.getAttribute('placeholder') || '', e.getAttribute('title') || '', e.getAttribute('aria-label') || '',
        e.value || '', e.textContent || '');
    }
    const all = texts.join('\n');
    return keys.filter((k) => new RegExp(`(^|[^\\w.])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`).test(all));
  });
}
