// gridmap pages' words: the message catalog of the page's language (the
// server writes it into the page, from web/i18n/*.json, the same files
// the Go templates read) and the 中文 / English switch, remembered in a
// cookie the server reads. window.i18n.t(key, {name: value}) gives a text.
'use strict';

window.i18n = (() => {
  const node = document.getElementById('messages');
  const messages = node ? JSON.parse(node.textContent) : {};
  const lang = document.documentElement.lang || 'zh-CN';
  const has = (key) => Object.prototype.hasOwnProperty.call(messages, key);

  // t returns the text of key with its {name} placeholders filled from
  // args. A missing key or value is a bug: it is logged (the browser tests
  // fail on it) and the key shows.
  function t(key, args) {
    if (!has(key)) {
      console.error(`i18n: no text ${key} in the ${lang} catalog`);
      return key;
    }
    return messages[key].replace(/\{([a-z_]+)\}/g, (m, name) => {
      if (!args || !(name in args)) {
        console.error(`i18n: text ${key} needs {${name}}`);
        return m;
      }
      return String(args[name]);
    });
  }

  // word names a value the service sends (a kind, a level, a state): the
  // catalog's word for it under prefix, or the value itself when the
  // catalog has none (a newer service may send values this page does not
  // know).
  const word = (prefix, value) => (has(prefix + value) ? t(prefix + value) : String(value));

  // num writes a whole number with its thousands grouped (1,234).
  const num = (n) => String(Math.round(Number(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  // date writes the day of an ISO time in Beijing time (UTC+8).
  function date(iso) {
    const d = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    if (Number.isNaN(d.getTime())) return String(iso);
    const m = d.getUTCMonth() + 1;
    return t('format.date', { y: d.getUTCFullYear(), m, d: d.getUTCDate(), month: t(`month.${m}`) });
  }

  const list = (items) => items.join(t('list.sep'));

  // problem says what a refused request's problem+json means, in the
  // page's language, by its stable code (its detail is English).
  const problem = (body) => word('problem.', (body && body.code) || 'error');

  // The switch: the chosen language goes into the cookie the server reads,
  // and the page is loaded again in it (the map view stays in the URL).
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => {
      document.cookie = `gridmap_lang=${b.dataset.lang}; path=/; max-age=31536000; SameSite=Lax`;
      location.reload();
    });
  }
  return { lang, t, has, word, num, date, list, problem, messages };
})();
