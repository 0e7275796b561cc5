// Drives the map page in Debian's chromium for the Go test
// TestMapLabelsInBrowser: opens the page at a view given in the URL's hash
// (#zoom/lat/lon), finds the label with a known name among those MapLibre
// drew, and screenshots the box around it — once with the machine's fonts
// and once with only the fonts of a font directory without Chinese (a
// fontconfig file, FONTCONFIG_FILE), the reference of what a label looks
// like when the CJK font is missing.
//
//   node labels.mjs PLAN.json
//
// PLAN is {"url", "zoom", "lon", "lat", "name", "shot", "tofuShot",
// "tofuFonts", "pageShot"}: shot and tofuShot get the label's box, pageShot
// the whole page with the machine's fonts. Prints one JSON line:
// {"clip": {x, y, width, height}, "tofuClip": {...}, "errors": [...]}.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
  '--enable-unsafe-swiftshader'];
const errors = [];

// label opens the page in a browser with env and screenshots the label.
async function label(env, shot, pageShot) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, env });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: 'zh-CN' });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${plan.url}#${plan.zoom}/${plan.lat}/${plan.lon}`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.gridmap && window.gridmap.loaded() && window.gridmap.areTilesLoaded() &&
      !window.gridmap.isMoving(), null, { timeout: 60000 });
    await page.waitForTimeout(800);
    const at = await page.evaluate((name) => {
      const m = window.gridmap;
      const f = m.queryRenderedFeatures({ layers: ['labels'] }).find((x) => x.properties.name === name);
      if (!f) return { drawn: m.queryRenderedFeatures({ layers: ['labels'] }).map((x) => x.properties.name) };
      const p = m.project(f.geometry.coordinates);
      const c = m.getCanvas().getBoundingClientRect();
      return { x: c.left + p.x, y: c.top + p.y };
    }, plan.name);
    if (pageShot) await page.screenshot({ path: pageShot });
    if (at.drawn) throw new Error(`no label ${plan.name} drawn; drawn: ${at.drawn.join(', ')}`);
    // 12 px text, centred on its point: a box a little larger than the
    // name at 14 px a character.
    const width = 14 * [...plan.name].length + 24;
    const clip = { x: Math.round(at.x - width / 2), y: Math.round(at.y - 16), width, height: 32 };
    await page.screenshot({ path: shot, clip });
    return clip;
  } finally {
    await browser.close();
  }
}

try {
  const clip = await label(process.env, plan.shot, plan.pageShot);
  const tofuClip = await label({ ...process.env, FONTCONFIG_FILE: plan.tofuFonts }, plan.tofuShot);
  console.log(JSON.stringify({ clip, tofuClip, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
  process.exitCode = 1;
}
