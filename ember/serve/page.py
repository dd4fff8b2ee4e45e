"""The digit-drawing page served at ``/``: draw with the mouse, see the class and the
probabilities as bars. The drawing is cropped to its bounding box, scaled into 20x20 and
centred in 28x28, as MNIST digits are, then posted as a PNG to the predict endpoint."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ember digit demo</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2em; background: #fafafa; color: #222; }
 #pad { border: 2px solid #444; background: #000; cursor: crosshair; touch-action: none; }
 button { font-size: 1em; margin: .5em .5em 0 0; padding: .4em 1.2em; }
 .bar { display: flex; align-items: center; margin: 2px 0; font-family: monospace; }
 .bar span { width: 6em; } .bar div { background: #e25822; height: 14px; }
 #prediction { font-size: 2.5em; font-weight: bold; }
</style></head>
<body>
<h1>ember: draw a digit</h1>
<div style="display:flex; gap:2em">
<div><canvas id="pad" width="280" height="280"></canvas><br>
<button id="predict">Predict</button><button id="clear">Clear</button>
<p>Model: <code id="model"></code></p></div>
<div><p>Prediction: <span id="prediction">-</span></p><div id="bars"></div></div>
</div>
<script>
const MODEL = __MODEL__;
document.getElementById('model').textContent = MODEL;
const pad = document.getElementById('pad'), ctx = pad.getContext('2d');
function clear() { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height);
  document.getElementById('prediction').textContent = '-';
  document.getElementById('bars').innerHTML = ''; }
clear();
ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#fff';
let drawing = false;
function pos(e) { const r = pad.getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top]; }
pad.addEventListener('pointerdown', e => { drawing = true; const [x, y] = pos(e);
  ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y + 0.1); ctx.stroke(); });
pad.addEventListener('pointermove', e => { if (!drawing) return; const [x, y] = pos(e);
  ctx.lineTo(x, y); ctx.stroke(); });
window.addEventListener('pointerup', () => { drawing = false; });
document.getElementById('clear').onclick = clear;

function toMnist() {  // crop, fit into 20x20, centre in 28x28
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data;
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++)
    if (img[4 * (y * pad.width + x)] > 30) { x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  const out = document.createElement('canvas'); out.width = 28; out.height = 28;
  const o = out.getContext('2d'); o.fillStyle = '#000'; o.fillRect(0, 0, 28, 28);
  if (x1 >= 0) { const w = x1 - x0 + 1, h = y1 - y0 + 1, s = 20 / Math.max(w, h);
    o.imageSmoothingEnabled = true;
    o.drawImage(pad, x0, y0, w, h, 14 - w * s / 2, 14 - h * s / 2, w * s, h * s); }
  return out;
}
document.getElementById('predict').onclick = () => {
  toMnist().toBlob(async blob => {
    const form = new FormData(); form.append('image', blob, 'digit.png');
    const r = await fetch('/v1/models/' + encodeURIComponent(MODEL) + ':predict',
                          {method: 'POST', body: form});
    const j = await r.json();
    if (!r.ok) { document.getElementById('prediction').textContent = 'error: ' + j.error; return; }
    const probs = j.probabilities[0], top = j.predictions[0][0];
    document.getElementById('prediction').textContent = top.label;
    document.getElementById('bars').innerHTML = probs.map((p, i) =>
      `<div class="bar"><span>${i}: ${p.toFixed(3)}</span>` +
      `<div style="width:${Math.round(300 * p)}px"></div></div>`).join('');
  }, 'image/png');
};
</script></body></html>
"""
