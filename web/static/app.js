// gridmap map page: the service's own vector tiles drawn with MapLibre GL JS.
'use strict';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  const { dataset, ...props } = attrs || {};
  Object.assign(e, props);
  Object.assign(e.dataset, dataset || {});
  for (const c of children) e.append(c);
  return e;
}

function showError(msg) {
  const info = document.getElementById('info');
  info.replaceChildren(el('p', { className: 'error' }, msg));
}

function showFacts(title, facts) {
  const dl = el('dl');
  for (const [k, v] of facts) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(el('dt', {}, k), el('dd', { dataset: { field: k } }, String(v)));
  }
  document.getElementById('info').replaceChildren(el('h2', {}, title), dl);
}

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json, application/geo+json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || body.title || `${r.status} ${r.statusText}`);
  return body;
}

function bboxOf(geom) {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]);
      miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]);
    } else c.forEach(walk);
  };
  walk(geom.coordinates);
  return [[minx, miny], [maxx, maxy]];
}

// gridCode returns a grid feature's 15-digit code. Below z13 grids are
// drawn lean (their id and kind only; TileJSON marks the fields that come
// from z13), so the code is read from the id, geo.Code.ID = code × 100 +
// 15. The id is above 2^53 and JavaScript holds it rounded to a multiple
// of 8 at most, an error the two length digits absorb: the quotient is the
// code exactly.
function gridCode(f) {
  if (f.properties.code) return f.properties.code;
  if (typeof f.id !== 'number' || !Number.isInteger(f.id)) return undefined;
  const code = String(BigInt(f.id) / 100n);
  return code.length === 15 ? code : undefined;
}

function lookupFacts(a) {
  const facts = [['Lon, lat', `${a.lon.toFixed(6)}, ${a.lat.toFixed(6)}`]];
  if (a.grid) {
    facts.push(['Grid', a.grid.code], ['Name', a.grid.name], ['Kind', a.grid.kind]);
    if (a.subgrid) facts.push(['Sub-grid', `${a.subgrid.code} ${a.subgrid.name}`]);
  } else {
    facts.push(['Grid', 'none at this point']);
  }
  for (const lvl of ['village', 'town', 'county']) {
    if (a[lvl]) facts.push([lvl[0].toUpperCase() + lvl.slice(1), `${a[lvl].code} ${a[lvl].name}`]);
  }
  facts.push(['Dataset version', a.dataset_version]);
  return facts;
}

async function main() {
  if (typeof maplibregl === 'undefined') {
    showError('MapLibre GL JS is missing from this build: run ./dev build (it installs it from npm).');
    return;
  }
  const tj = await getJSON('/tiles.json');
  const [minx, miny, maxx, maxy] = tj.bounds || [119.4, 32.5, 121.0, 34.5];
  const map = new maplibregl.Map({
    container: 'map',
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
    style: window.gridmapStyle(tj),
    bounds: [[minx, miny], [maxx, maxy]],
    attributionControl: false,
  });
  window.gridmap = map; // for the browser tests
  map.addControl(new maplibregl.NavigationControl(), 'top-left');

  map.on('click', 'grid-fill', async (e) => {
    const f = e.features[0];
    const p = f.properties;
    const code = gridCode(f);
    // At z11-12 name, village and counts are not in the tile: the code
    // stands in for the name until the lookup below answers.
    showFacts(p.name || code || 'Grid', [['Code', code], ['Kind', p.kind],
      ['Village', p.parent || (code && code.slice(0, 12))], ['Households', p.households]]);
    try {
      const a = await getJSON(`/lookup?lon=${e.lngLat.lng}&lat=${e.lngLat.lat}`);
      showFacts(a.grid ? a.grid.name : 'No grid here', lookupFacts(a));
    } catch (err) { /* the tile facts stay */ }
  });
  map.on('contextmenu', async (e) => {
    try {
      const a = await getJSON(`/lookup?lon=${e.lngLat.lng}&lat=${e.lngLat.lat}`);
      showFacts('Point lookup', lookupFacts(a));
      new maplibregl.Popup().setLngLat(e.lngLat).setText(a.grid ? a.grid.code : 'no grid').addTo(map);
    } catch (err) { showError(err.message); }
  });
  map.on('mouseenter', 'grid-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'grid-fill', () => { map.getCanvas().style.cursor = ''; });
  map.on('idle', () => { document.body.dataset.idle = 'true'; });
  map.on('moveend', () => {
    const c = map.getCenter();
    document.getElementById('status').textContent =
      `z${map.getZoom().toFixed(1)} ${c.lng.toFixed(4)}, ${c.lat.toFixed(4)} · dataset v${tj.version ?? ''}`;
  });

  document.getElementById('search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = document.getElementById('code').value.trim();
    if (!/^\d{4}$|^\d{6}$|^\d{9}$|^\d{12}$|^\d{15}$|^\d{17}$/.test(code)) {
      showError('A code has 4, 6, 9 or 12 digits (areas), 15 (grid) or 17 (sub-grid).');
      return;
    }
    try {
      const f = await getJSON(code.length >= 15 ? `/grids/${code}` : `/areas/${code}`);
      const p = f.properties || {};
      showFacts(`${p.name || code}`, Object.entries(p).filter(([, v]) => typeof v !== 'object'));
      if (f.geometry) map.fitBounds(bboxOf(f.geometry), { padding: 40, duration: 0 });
    } catch (err) { showError(err.message); }
  });
}

main().catch((err) => showError(`The map could not start: ${err.message}`));
