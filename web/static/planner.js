// gridmap planner: draft a split of one grid, preview it (after-state,
// findings, household moves) and submit it, through the /proposals API.
'use strict';

const state = { grid: null, county: null, line: [], proposal: null };
const $ = (id) => document.getElementById(id);

function el(tag, text) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${$('token').value.trim()}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(data.detail || `${r.status} ${r.statusText}`);
    err.findings = data.findings;
    throw err;
  }
  return data;
}

function say(msg, cls) {
  const p = el('p', msg);
  if (cls) p.className = cls;
  $('info').replaceChildren(p);
}

function refresh(map) {
  $('grid').textContent = state.grid || '—';
  $('npts').textContent = String(state.line.length);
  $('preview').disabled = !(state.grid && state.line.length === 2 && $('token').value.trim());
  $('submit').disabled = !state.proposal;
  map.getSource('draft').setData({
    type: 'FeatureCollection',
    features: state.line.length === 2
      ? [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: state.line } }]
      : state.line.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } })),
  });
}

function showPreview(map, prev) {
  const after = prev.grids.filter((g) => g.after).map((g) => ({
    type: 'Feature', properties: { code: g.code, state: g.state }, geometry: g.after }));
  map.getSource('after').setData({ type: 'FeatureCollection', features: after });
  const box = el('div');
  box.append(el('h3', 'After the split'));
  const grids = el('table');
  grids.id = 'preview-grids';
  for (const g of prev.grids) {
    const tr = el('tr');
    // A neighbour (maybe of another village) that only takes the vertex
    // where the line meets its edge keeps its shape: say so.
    tr.append(el('td', g.code), el('td', g.state), el('td', `${Math.round(g.area_after_m2 || 0)} m²`),
      el('td', g.edge_matched ? 'edge matched: takes the new vertex' : ''));
    grids.append(tr);
  }
  box.append(grids, el('h3', 'Households and units that move'));
  const moves = el('table');
  moves.id = 'preview-moves';
  for (const m of prev.moves || []) {
    const tr = el('tr');
    tr.append(el('td', `${m.from} → ${m.to}`), el('td', `${m.households} households, ${m.units} units`));
    moves.append(tr);
  }
  box.append(moves, el('h3', 'Findings'));
  const fl = el('ul');
  fl.id = 'preview-findings';
  for (const f of prev.findings || []) fl.append(el('li', `${f.severity}: ${f.check}: ${f.message}`));
  if (!(prev.findings || []).length) fl.append(el('li', 'none'));
  box.append(fl);
  $('info').replaceChildren(box);
}

async function main() {
  $('token').value = localStorage.getItem('gridmap.token') || '';
  const tj = await (await fetch('/tiles.json')).json();
  const map = new maplibregl.Map({
    container: 'map', style: window.gridmapStyle(tj), attributionControl: false,
    bounds: [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]],
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
  });
  window.gridmap = map; // for the browser tests
  map.on('load', () => {
    map.addSource('draft', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addSource('after', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'after-fill', type: 'fill', source: 'after', paint: { 'fill-color': '#f28e2b', 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'after-line', type: 'line', source: 'after', paint: { 'line-color': '#d45500', 'line-width': 2 } });
    map.addLayer({ id: 'draft-line', type: 'line', source: 'draft', paint: { 'line-color': '#000', 'line-width': 2, 'line-dasharray': [3, 2] } });
    map.addLayer({ id: 'draft-pts', type: 'circle', source: 'draft', paint: { 'circle-radius': 4, 'circle-color': '#000' } });
    map.addLayer({ id: 'selected', type: 'line', source: 'g', 'source-layer': 'grid',
      filter: ['==', ['get', 'code'], ''], paint: { 'line-color': '#000', 'line-width': 3 } });
    document.body.dataset.ready = 'true';
  });
  map.on('click', (e) => {
    if (!state.grid) {
      const f = map.queryRenderedFeatures(e.point, { layers: ['grid-fill'] })[0];
      if (!f) return;
      state.grid = f.properties.code;
      state.county = f.properties.code.slice(0, 6) + '000000';
      map.setFilter('selected', ['==', ['get', 'code'], state.grid]);
    } else if (state.line.length < 2) {
      state.line.push([e.lngLat.lng, e.lngLat.lat]);
    }
    refresh(map);
  });
  $('token').addEventListener('input', () => { localStorage.setItem('gridmap.token', $('token').value.trim()); refresh(map); });
  $('reset').addEventListener('click', () => {
    Object.assign(state, { grid: null, county: null, line: [], proposal: null });
    map.setFilter('selected', ['==', ['get', 'code'], '']);
    map.getSource('after').setData({ type: 'FeatureCollection', features: [] });
    $('info').replaceChildren();
    refresh(map);
  });
  $('preview').addEventListener('click', async () => {
    try {
      say('Drafting…');
      const p = await api('POST', '/proposals', { county: state.county, reason: 4, reason_text: 'split drawn in the planner' });
      await api('POST', `/proposals/${p.id}/ops`, { type: 'split', grids: [state.grid], geometry: { type: 'LineString', coordinates: state.line } });
      state.proposal = p.id;
      showPreview(map, await api('GET', `/proposals/${p.id}/preview`));
    } catch (err) {
      say(err.message, 'error');
    }
    refresh(map);
  });
  $('submit').addEventListener('click', async () => {
    try {
      const p = await api('POST', `/proposals/${state.proposal}/submit`);
      $('status').textContent = `Proposal ${p.id}: ${p.status}`;
      $('status').dataset.status = p.status;
    } catch (err) {
      say(err.message, 'error');
    }
  });
  refresh(map);
}

main().catch((err) => say(`The planner could not start: ${err.message}`, 'error'));
