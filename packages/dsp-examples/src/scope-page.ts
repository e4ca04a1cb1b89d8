// The page the scope example serves: one canvas, redrawn for every chunk the
// server sends over server-sent events (EventSource). The page only draws;
// the server has already done the FFT (see scope.ts for why). Embedded as a
// string so the built example is a single file with nothing to copy.
//
// The page's script is plain ES2020 for the browser, kept free of template
// literals so that this TypeScript template string needs no escaping.

/** What one server-sent `chunk` event carries (JSON). */
export interface ScopeMessage {
  /** chunks sent so far, counting from 1 */
  sequence: number
  /** frames per second */
  samplerate: number
  /** frames recorded since the start */
  frames: number
  /** the chunk's samples (first channel), rounded */
  wave: number[]
  /** its magnitude spectrum in dBFS, bins from 0 Hz to samplerate / 2 */
  spectrum: number[]
  /** the frequency of the loudest bin, in Hz */
  peakHz: number
  /** the chunk's RMS level in dBFS */
  rmsDb: number
}

/** Panels in CSS pixels of the canvas: the page exposes them as `window.scope.layout` for tests. */
export const scopeLayout = {
  width: 960,
  height: 600,
  wave: { x: 64, y: 40, width: 872, height: 220 },
  spectrum: { x: 64, y: 320, width: 872, height: 220 },
  floorDb: -120,
  colours: { background: '#0f141b', grid: '#2b3543', text: '#c9d1db', wave: '#4ade80', spectrum: '#fbbf24' },
} as const

/** The HTML of the scope page; `title` goes into the heading. */
export function scopePage(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pastream scope</title>
<style>
  body { margin: 0; background: ${scopeLayout.colours.background}; color: ${scopeLayout.colours.text}; font: 14px system-ui, sans-serif; }
  header { padding: 8px 16px; display: flex; gap: 24px; align-items: baseline; }
  h1 { font-size: 16px; margin: 0; }
  canvas { display: block; margin: 0 16px; }
</style>
</head>
<body>
<header><h1>pastream scope: ${escaped}</h1><span id="status">connecting</span></header>
<canvas id="scope" width="${scopeLayout.width}" height="${scopeLayout.height}"></canvas>
<script>
'use strict'
const layout = ${JSON.stringify(scopeLayout)}
// what the tests read: messages drawn so far, the last one, the panels
window.scope = { messages: 0, last: null, ended: false, layout: layout }
const canvas = document.getElementById('scope')
const context = canvas.getContext('2d')
const status = document.getElementById('status')
context.font = '12px system-ui, sans-serif'

function ticks(low, high, count) {
  const rough = (high - low) / count
  const power = Math.pow(10, Math.floor(Math.log10(rough)))
  const step = ([1, 2, 5, 10].find(function (m) { return m * power >= rough }) || 10) * power
  const out = []
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

// axes and grid of one panel: xTicks are [fraction of the width, label]
// pairs, y runs from y0 (bottom) to y1 (top)
function axes(panel, xTicks, y0, y1, xLabel, yLabel) {
  context.strokeStyle = layout.colours.grid
  context.fillStyle = layout.colours.text
  context.lineWidth = 1
  context.textAlign = 'right'
  context.textBaseline = 'middle'
  for (const v of ticks(y0, y1, 4)) {
    const y = Math.round(panel.y + panel.height - (v - y0) / (y1 - y0) * panel.height) + 0.5
    context.beginPath(); context.moveTo(panel.x, y); context.lineTo(panel.x + panel.width, y); context.stroke()
    context.fillText(String(v), panel.x - 6, y)
  }
  context.textAlign = 'center'
  context.textBaseline = 'top'
  for (const [fraction, label] of xTicks) {
    const x = Math.round(panel.x + fraction * panel.width) + 0.5
    context.beginPath(); context.moveTo(x, panel.y); context.lineTo(x, panel.y + panel.height); context.stroke()
    context.fillText(label, x, panel.y + panel.height + 4)
  }
  context.fillText(xLabel, panel.x + panel.width / 2, panel.y + panel.height + 20)
  context.save()
  context.translate(16, panel.y + panel.height / 2)
  context.rotate(-Math.PI / 2)
  context.textBaseline = 'middle'
  context.fillText(yLabel, 0, 0)
  context.restore()
  context.strokeRect(panel.x + 0.5, panel.y + 0.5, panel.width - 1, panel.height - 1)
}

// a polyline through a panel, clipped to it: xs are fractions of the width
function trace(panel, xs, values, y0, y1, colour) {
  context.save()
  context.beginPath()
  context.rect(panel.x, panel.y, panel.width, panel.height)
  context.clip()
  context.strokeStyle = colour
  context.lineWidth = 1.5
  context.beginPath()
  for (let k = 0; k < values.length; k++) {
    const x = panel.x + xs[k] * panel.width
    const y = panel.y + panel.height - (values[k] - y0) / (y1 - y0) * panel.height
    if (k === 0) context.moveTo(x, y); else context.lineTo(x, y)
  }
  context.stroke()
  context.restore()
}

// the spectrum's frequency axis is logarithmic, from 20 Hz to half the
// sample rate, as on audio analysers: each octave gets the same width
const lowHz = 20
function logFraction(hz, nyquist) { return Math.log(hz / lowHz) / Math.log(nyquist / lowHz) }
const hzTicks = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]

function draw(message) {
  context.fillStyle = layout.colours.background
  context.fillRect(0, 0, canvas.width, canvas.height)
  const milliseconds = message.wave.length / message.samplerate * 1000
  axes(layout.wave, ticks(0, milliseconds, 8).map(function (v) { return [v / milliseconds, String(v)] }), -1, 1, 'time (ms)', 'amplitude')
  trace(layout.wave, message.wave.map(function (_, k) { return k / Math.max(message.wave.length - 1, 1) }), message.wave, -1, 1, layout.colours.wave)
  const nyquist = message.samplerate / 2
  const labels = hzTicks.filter(function (hz) { return hz <= nyquist })
    .map(function (hz) { return [logFraction(hz, nyquist), hz >= 1000 ? (hz / 1000) + 'k' : String(hz)] })
  axes(layout.spectrum, labels, layout.floorDb, 0, 'frequency (Hz)', 'dBFS')
  // bins from 20 Hz up (bin k is k * nyquist / (bins - 1) Hz)
  const step = nyquist / (message.spectrum.length - 1)
  const first = Math.ceil(lowHz / step)
  const levels = message.spectrum.slice(first)
  trace(layout.spectrum, levels.map(function (_, k) { return logFraction((first + k) * step, nyquist) }), levels, layout.floorDb, 0, layout.colours.spectrum)
}

const events = new EventSource('events')
events.addEventListener('chunk', function (event) {
  const message = JSON.parse(event.data)
  draw(message)
  window.scope.messages += 1
  window.scope.last = { sequence: message.sequence, frames: message.frames, peakHz: message.peakHz, rmsDb: message.rmsDb }
  status.textContent = message.samplerate + ' Hz, peak ' + message.peakHz.toFixed(0) + ' Hz, level ' +
    message.rmsDb.toFixed(1) + ' dBFS, ' + (message.frames / message.samplerate).toFixed(1) + ' s'
})
// the server says when the stream has ended; without this EventSource would reconnect forever
events.addEventListener('end', function () {
  window.scope.ended = true
  status.textContent += ' (stopped)'
  events.close()
})
events.onerror = function () { if (!window.scope.ended) status.textContent = 'disconnected, retrying' }
</script>
</body>
</html>
`
}
