"""The backward replay's HTML page: one self-contained file, no network, no libraries.

The drawing is shown at its natural size (100 %: graphviz's 10-point text is 13 px high) in a
pane that scrolls and pans, beside the step's story; it is never shrunk to the window width,
where a long graph's text would be a few pixels high. Controls: Prev / Next, a slider, − / +,
a "100 %" / "Fit" toggle, Ctrl + wheel to zoom at the pointer, drag to pan, and the keys
← → Home End (steps) + − 0 f (zoom). Each step scrolls the node being processed into view.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

PX_PER_PT = 4 / 3  # graphviz measures SVG in points; browsers draw 96 px per 72 pt


@dataclass(frozen=True)
class Frame:
    """One step of the page: its drawing, its story, and the drawn nodes to keep in view."""

    svg: str
    story: list[str]
    focus: list[str]  # graphviz node names of the node being processed ("v3", "op3")
    receivers: list[str]  # node names of the parents it sends gradient to


def html_page(frames: list[Frame], title: str) -> str:
    """The whole page: controls, the story pane and every frame's SVG inline."""
    sections = "\n".join(
        f'<section class="frame" data-step="{k + 1}" data-focus="{" ".join(f.focus)}" '
        f'data-receivers="{" ".join(f.receivers)}"{" hidden" if k else ""}>'
        f"{_sized_svg(f.svg)}</section>" for k, f in enumerate(frames))
    stories = "\n".join(
        f'<pre class="story"{" hidden" if k else ""}>{html.escape(chr(10).join(f.story))}</pre>'
        for k, f in enumerate(frames))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        '<header><button id="prev" title="previous step (←)">◀ Prev</button>'
        '<button id="next" title="next step (→)">Next ▶</button>'
        '<span id="counter"></span>'
        f'<input id="slider" type="range" min="0" max="{len(frames) - 1}" value="0" '
        'aria-label="step">'
        '<span class="zoom"><button id="zoom-out" title="zoom out (−)">−</button>'
        '<span id="zoom-level">100 %</span>'
        '<button id="zoom-in" title="zoom in (+)">+</button>'
        '<button id="zoom-toggle" title="actual size / fit the pane (0, f)">Fit</button></span>'
        '<span class="keys">← → steps · drag to pan · Ctrl+wheel zooms</span></header>\n'
        f'<main><aside id="story">{stories}</aside>'
        f'<div id="viewport" tabindex="0">{sections}</div></main>\n'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _sized_svg(svg: str) -> str:
    """The <svg> element alone (no prolog, doctype, comments), sized in px for the zoom."""
    body = re.sub(r"<!--.*?-->", "", svg[svg.find("<svg"):], flags=re.DOTALL).strip()
    found = _SIZE.search(body)
    if found is None:
        return body
    width, height = (round(float(v) * PX_PER_PT) for v in found.groups())
    return _SIZE.sub(f'<svg width="{width}" height="{height}" data-width="{width}" '
                     f'data-height="{height}"', body, count=1)


_STYLE = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: Helvetica, Arial, sans-serif;
       background: #fafafa; }
header { flex: none; background: #fff; border-bottom: 1px solid #ddd; padding: 8px 16px;
         display: flex; flex-wrap: wrap; gap: 10px; align-items: center; }
button { font-size: 15px; padding: 4px 12px; }
#slider { flex: 1; min-width: 120px; }
.zoom { display: flex; gap: 4px; align-items: center; }
#zoom-level { min-width: 4.5em; text-align: center; font-variant-numeric: tabular-nums; }
.keys { color: #666; font-size: 13px; }
main { flex: 1; display: flex; min-height: 0; }
#story { flex: 0 0 340px; overflow: auto; border-right: 1px solid #ddd; background: #fff; }
#story pre { margin: 12px 14px; font-size: 14px; line-height: 1.45; white-space: pre-wrap;
             font-family: Helvetica, Arial, sans-serif; }
#viewport { flex: 1; overflow: auto; cursor: grab; background: #fff; outline: none; }
#viewport.panning { cursor: grabbing; user-select: none; }
.frame svg { display: block; }
@media (max-width: 900px) {
  main { flex-direction: column; }
  #story { flex: none; max-height: 35vh; border-right: none; border-bottom: 1px solid #ddd; }
}
"""

_SCRIPT = """
const frames = Array.from(document.querySelectorAll('section.frame'));
const stories = Array.from(document.querySelectorAll('pre.story'));
const viewport = document.getElementById('viewport');
const counter = document.getElementById('counter');
const slider = document.getElementById('slider');
const zoomLevel = document.getElementById('zoom-level');
const zoomToggle = document.getElementById('zoom-toggle');
let current = 0;
let zoom = 1;

function svgOf(k) { return frames[k].querySelector('svg'); }

function applyZoom() {
  for (const frame of frames) {
    const svg = frame.querySelector('svg');
    if (!svg || !svg.dataset.width) continue;
    svg.style.width = (svg.dataset.width * zoom) + 'px';
    svg.style.height = (svg.dataset.height * zoom) + 'px';
  }
  zoomLevel.textContent = Math.round(zoom * 100) + ' %';
  zoomToggle.textContent = Math.abs(zoom - 1) < 1e-6 ? 'Fit' : '100 %';
}

// Zoom about a point of the pane (its centre by default), keeping that point still.
function setZoom(z, cx = viewport.clientWidth / 2, cy = viewport.clientHeight / 2) {
  z = Math.min(4, Math.max(0.05, z));
  const x = (viewport.scrollLeft + cx) / zoom, y = (viewport.scrollTop + cy) / zoom;
  zoom = z;
  applyZoom();
  viewport.scrollLeft = x * zoom - cx;
  viewport.scrollTop = y * zoom - cy;
}

function fitZoom() {
  const svg = svgOf(current);
  if (!svg || !svg.dataset.width) return 1;
  return Math.min(viewport.clientWidth / svg.dataset.width,
                  viewport.clientHeight / svg.dataset.height);
}

function fit() { setZoom(fitZoom()); viewport.scrollTo(0, 0); }
function actualSize() { setZoom(1); follow(); }
function toggleZoom() { if (Math.abs(zoom - 1) < 1e-6) fit(); else actualSize(); }

function boxOf(names) {
  let box = null;
  for (const g of svgOf(current).querySelectorAll('g.node')) {
    const title = g.querySelector('title');
    if (!title || !names.includes(title.textContent)) continue;
    const r = g.getBoundingClientRect();
    box = box ? {left: Math.min(box.left, r.left), top: Math.min(box.top, r.top),
                 right: Math.max(box.right, r.right), bottom: Math.max(box.bottom, r.bottom)}
              : {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  }
  return box;
}

// Keep the node being processed (and, where they fit, the parents it sends to) in view.
function follow() {
  const data = frames[current].dataset;
  const focus = data.focus.split(' ').filter(Boolean);
  const receivers = data.receivers.split(' ').filter(Boolean);
  const pane = viewport.getBoundingClientRect();
  let box = boxOf(focus.concat(receivers));
  if (box && (box.right - box.left > pane.width || box.bottom - box.top > pane.height)) {
    box = boxOf(focus);
  }
  if (!box) return;
  viewport.scrollLeft += shift(box.left, box.right, pane.left, pane.right);
  viewport.scrollTop += shift(box.top, box.bottom, pane.top, pane.bottom);
}

// The smallest scroll that brings [low, high] into [start, end], with a margin for context.
function shift(low, high, start, end) {
  const margin = Math.min(60, Math.max(0, (end - start - (high - low)) / 2));
  if (low < start + margin) return low - start - margin;
  if (high > end - margin) return high - end + margin;
  return 0;
}

function show(k) {
  current = Math.max(0, Math.min(frames.length - 1, k));
  frames.forEach((f, j) => { f.hidden = j !== current; });
  stories.forEach((s, j) => { s.hidden = j !== current; });
  counter.textContent = 'step ' + (current + 1) + ' / ' + frames.length;
  slider.value = current;
  follow();
}

document.getElementById('prev').onclick = () => show(current - 1);
document.getElementById('next').onclick = () => show(current + 1);
document.getElementById('zoom-in').onclick = () => setZoom(zoom * 1.25);
document.getElementById('zoom-out').onclick = () => setZoom(zoom / 1.25);
zoomToggle.onclick = toggleZoom;
slider.oninput = () => show(Number(slider.value));

viewport.addEventListener('wheel', (e) => {
  if (!(e.ctrlKey || e.metaKey)) return;  // a plain wheel scrolls; pinch and Ctrl+wheel zoom
  e.preventDefault();
  const pane = viewport.getBoundingClientRect();
  setZoom(zoom * Math.exp(-e.deltaY * 0.002), e.clientX - pane.left, e.clientY - pane.top);
}, {passive: false});

let drag = null;
viewport.addEventListener('pointerdown', (e) => {
  if (e.button !== 0) return;
  drag = {x: e.clientX, y: e.clientY, left: viewport.scrollLeft, top: viewport.scrollTop};
  viewport.setPointerCapture(e.pointerId);
  viewport.classList.add('panning');
});
viewport.addEventListener('pointermove', (e) => {
  if (!drag) return;
  viewport.scrollLeft = drag.left - (e.clientX - drag.x);
  viewport.scrollTop = drag.top - (e.clientY - drag.y);
});
function endDrag() { drag = null; viewport.classList.remove('panning'); }
viewport.addEventListener('pointerup', endDrag);
viewport.addEventListener('pointercancel', endDrag);

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const keys = {
    'ArrowRight': () => show(current + 1), ' ': () => show(current + 1),
    'ArrowLeft': () => show(current - 1), 'Home': () => show(0),
    'End': () => show(frames.length - 1), '+': () => setZoom(zoom * 1.25),
    '=': () => setZoom(zoom * 1.25), '-': () => setZoom(zoom / 1.25),
    '0': actualSize, 'f': fit,
  };
  if (e.target === slider && e.key.startsWith('Arrow')) return;  // the slider steps itself
  const action = keys[e.key];
  if (action) { action(); e.preventDefault(); }
});

applyZoom();
show(0);
"""
