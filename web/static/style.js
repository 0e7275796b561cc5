// The map style shared by the map page and the planner: the service's own
// vector tiles, styled per level and grid kind.
'use strict';

window.gridmapStyle = function gridmapStyle(tj) {
  // Tile URL templates keep their {z}/{x}/{y} (new URL() would escape them).
  // pmtiles:// URLs (an archive opened offline) are kept as they are.
  const tiles = tj.tiles.map((t) => (/^[a-z]+:/.test(t) ? t : location.origin + t));
  const kindColor = ['match', ['get', 'kind'],
    'urban', '#4e79a7', 'rural', '#59a14f', 'exclusive', '#e15759', '#bab0ac'];
  const bounds = tj.bounds || [119.4, 32.5, 121.0, 34.5];
  // Each style layer draws at the zooms TileJSON gives its source layer,
  // so the style and the tiles agree on what is shown where.
  const zooms = Object.fromEntries((tj.vector_layers || []).map((l) => [l.id, l]));
  const ranged = (layer) => {
    const z = zooms[layer['source-layer']];
    return z ? { ...layer, minzoom: z.minzoom, maxzoom: z.maxzoom + 1 } : layer;
  };
  const style = {
    version: 8,
    sources: { g: { type: 'vector', tiles, minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 14, bounds } },
    layers: [
      { id: 'bg', type: 'background', paint: { 'background-color': '#f4f1ea' } },
      { id: 'county-fill', type: 'fill', source: 'g', 'source-layer': 'county',
        paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.6 } },
      { id: 'grid-fill', type: 'fill', source: 'g', 'source-layer': 'grid',
        paint: { 'fill-color': kindColor, 'fill-opacity': 0.25 } },
      { id: 'subgrid-line', type: 'line', source: 'g', 'source-layer': 'subgrid',
        paint: { 'line-color': '#e15759', 'line-width': 0.8, 'line-dasharray': [2, 2] } },
      { id: 'grid-line', type: 'line', source: 'g', 'source-layer': 'grid',
        paint: { 'line-color': '#555', 'line-width': 0.5 } },
      { id: 'village-line', type: 'line', source: 'g', 'source-layer': 'village',
        paint: { 'line-color': '#8c6d31', 'line-width': 1 } },
      { id: 'town-line', type: 'line', source: 'g', 'source-layer': 'town',
        paint: { 'line-color': '#6b4c9a', 'line-width': 1.5 } },
      { id: 'county-line', type: 'line', source: 'g', 'source-layer': 'county',
        paint: { 'line-color': '#333', 'line-width': 2.5 } },
      { id: 'labels', type: 'symbol', source: 'g', 'source-layer': 'label',
        // No glyphs URL: MapLibre draws every glyph of a label, Chinese
        // and digits alike, from this local font (fonts-noto-cjk).
        layout: { 'text-field': ['get', 'name'], 'text-size': 12, 'text-font': ['Noto Sans CJK SC', 'WenQuanYi Micro Hei'] },
        paint: { 'text-color': '#222', 'text-halo-color': '#fff', 'text-halo-width': 1 } },
    ],
  };
  style.layers = style.layers.map(ranged);
  return style;
};
