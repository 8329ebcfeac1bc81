// The explorer page: draw precomputed gradient-descent runs (no numerics here: every
// number comes from linreg.plot.explorer_data at build time; this only selects and draws).
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const W = 320, H = 240, PAD = 34;

  function element(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function scale(lo, hi, outLo, outHi) {
    return (v) => outLo + ((v - lo) / (hi - lo)) * (outHi - outLo);
  }

  function axes(svg, xLabel, yLabel) {
    element("rect", { x: PAD, y: 8, width: W - PAD - 8, height: H - PAD - 8, fill: "none", stroke: "#999" }, svg);
    element("text", { x: (W + PAD) / 2, y: H - 6, "text-anchor": "middle", "font-size": 11 }, svg).textContent = xLabel;
    const t = element("text", { x: 11, y: (H - PAD) / 2, "text-anchor": "middle", "font-size": 11,
      transform: `rotate(-90 11 ${(H - PAD) / 2})` }, svg);
    t.textContent = yLabel;
  }

  // A simple blue→yellow ramp for the log-error background.
  function colour(t) {
    const a = [68, 1, 84], b = [33, 145, 140], c = [253, 231, 37];
    const [p, q, u] = t < 0.5 ? [a, b, t * 2] : [b, c, (t - 0.5) * 2];
    return `rgb(${p.map((v, i) => Math.round(v + (q[i] - v) * u)).join(",")})`;
  }

  function start() {
    const source = document.getElementById("explorer-data");
    const root = document.getElementById("explorer");
    if (!source || !root) return;
    const data = JSON.parse(source.textContent);
    const rate = document.getElementById("explorer-rate");
    const iteration = document.getElementById("explorer-iteration");
    rate.max = data.rates.length - 1;
    iteration.max = data.checkpoints.length - 1;
    iteration.value = iteration.max;

    // The bound's place on the log-scaled rate slider.
    const logLo = Math.log(data.rates[0]), logHi = Math.log(data.rates[data.rates.length - 1]);
    const boundAt = (Math.log(data.bound) - logLo) / (logHi - logLo);
    document.getElementById("explorer-bound").style.left = `${(100 * boundAt).toFixed(2)}%`;

    const xs = data.points.x, ys = data.points.y;
    const px = scale(Math.min(...xs) - 2, Math.max(...xs) + 2, PAD, W - 8);
    const py = scale(0, 130, H - PAD, 8);
    const s = data.surface;
    const sm = scale(s.m[0], s.m[s.m.length - 1], PAD, W - 8);
    const sb = scale(s.b[0], s.b[s.b.length - 1], H - PAD, 8);
    const lossMax = 1e8, lossMin = 100;
    const ly = scale(Math.log10(lossMin), Math.log10(lossMax), H - PAD, 8);
    const lx = scale(0, Math.log10(data.checkpoints[data.checkpoints.length - 1] + 1), PAD, W - 8);

    // Static layers: the points, the error surface, the axes.
    const lineSvg = document.getElementById("explorer-line");
    axes(lineSvg, "hours studied x", "score y");
    xs.forEach((x, i) => element("circle", { cx: px(x), cy: py(ys[i]), r: 1.8, fill: "#1f77b4" }, lineSvg));
    const fitted = element("line", { stroke: "#d62728", "stroke-width": 2 }, lineSvg);

    const surfaceSvg = document.getElementById("explorer-surface");
    const logE = s.E.flat().map(Math.log);
    const eLo = Math.min(...logE), eHi = Math.max(...logE);
    const cellW = (W - 8 - PAD) / s.m.length, cellH = (H - PAD - 8) / s.b.length;
    s.b.forEach((bValue, j) => s.m.forEach((mValue, i) => {
      element("rect", { x: sm(mValue) - cellW / 2, y: sb(bValue) - cellH / 2, width: cellW + 0.5, height: cellH + 0.5,
        fill: colour((Math.log(s.E[j][i]) - eLo) / (eHi - eLo)) }, surfaceSvg);
    }));
    axes(surfaceSvg, "slope m", "intercept b");
    element("text", { x: sm(data.optimum.m), y: sb(data.optimum.b) + 4, "text-anchor": "middle", "font-size": 14, fill: "white" }, surfaceSvg).textContent = "★";
    const path = element("polyline", { fill: "none", stroke: "#ff4136", "stroke-width": 1.6 }, surfaceSvg);

    const lossSvg = document.getElementById("explorer-loss");
    axes(lossSvg, "iteration (log scale)", "E (log scale)");
    element("line", { x1: PAD, x2: W - 8, y1: ly(Math.log10(data.optimum.E)), y2: ly(Math.log10(data.optimum.E)),
      stroke: "#333", "stroke-dasharray": "4 3" }, lossSvg);
    const curve = element("polyline", { fill: "none", stroke: "#2ca02c", "stroke-width": 1.6 }, lossSvg);

    function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

    function draw() {
      const run = data.runs[Number(rate.value)];
      const upTo = Number(iteration.value);
      let last = 0;
      for (let k = 0; k <= upTo; k++) if (run.m[k] !== null) last = k;
      const m = run.m[last], b = run.b[last];
      document.getElementById("explorer-rate-value").textContent = run.rate.toExponential(2);
      document.getElementById("explorer-iteration-value").textContent = data.checkpoints[upTo].toLocaleString("en");

      const x0 = Math.min(...xs) - 2, x1 = Math.max(...xs) + 2;
      fitted.setAttribute("x1", px(x0)); fitted.setAttribute("x2", px(x1));
      fitted.setAttribute("y1", clamp(py(m * x0 + b), -1000, 1000));
      fitted.setAttribute("y2", clamp(py(m * x1 + b), -1000, 1000));

      const pts = [], losses = [];
      for (let k = 0; k <= last; k++) {
        pts.push(`${clamp(sm(run.m[k]), -500, 900).toFixed(1)},${clamp(sb(run.b[k]), -500, 900).toFixed(1)}`);
        losses.push(`${lx(Math.log10(data.checkpoints[k] + 1)).toFixed(1)},${clamp(ly(Math.log10(run.loss[k])), 0, H).toFixed(1)}`);
      }
      path.setAttribute("points", pts.join(" "));
      curve.setAttribute("points", losses.join(" "));

      const verdict = document.getElementById("explorer-verdict");
      verdict.dataset.verdict = run.verdict;
      const boundText = `the bound 2/λmax = ${data.bound.toExponential(3)}`;
      if (run.verdict === "diverges") {
        verdict.textContent = `Diverges: η is above ${boundText}; the error grows at every step.`;
      } else if (run.verdict === "crawls") {
        verdict.textContent = `Crawls: η is below ${boundText}, so it converges, but needs about ` +
          `${run.needed.toLocaleString("en")} iterations to get within 1e-6 of the optimum.`;
      } else {
        verdict.textContent = `Converges: within 1e-6 of the optimum in about ${run.needed.toLocaleString("en")} iterations.`;
      }
    }

    rate.addEventListener("input", draw);
    iteration.addEventListener("input", draw);
    draw();
  }

  // Material for MkDocs loads pages without a full reload; run on each page view.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
