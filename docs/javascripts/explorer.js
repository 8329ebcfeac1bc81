// The explorer page: gradient descent on the livestream's data, run in the page.
//
// The build passes the data's one-pass statistics (linreg.plot.explorer_data): for one
// feature the loss, the gradient and the Hessian depend on the data only through N, x̄,
// ȳ, Cxx, Cxy and Cyy. The page iterates the same update as linreg.gradient_descent
// (heavy-ball momentum v ← μv + ∇E, θ ← θ − ηv; standardize descends on z = (x − x̄)/s
// and maps back), and tests/test_docs.py holds its iterates to linreg's to 1e-9.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const W = 320, H = 250;
  const FRAME = { left: 48, right: W - 16, top: 10, bottom: H - 40 };
  const SURFACE_FRAME = { left: 48, right: W - 60, top: 10, bottom: H - 40 };
  const BUDGETS = [100, 1000, 10000, 100000];
  const RATE_DECADES = { below: 3, above: 0.65 }; // the rate slider spans bound·10^[-3, 0.65]
  const RATE_STEPS = 400;
  // A run that is past the bound stops once its loss has grown this much: beyond it the
  // picture cannot change, and float64 would soon overflow.
  const GROWTH_LIMIT = 1e12;

  // ---- numbers ---------------------------------------------------------------------
  const SUPERSCRIPT = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
    "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

  // a × 10ⁿ with `digits` significant digits; plain decimals between 1e-3 and 1e5.
  function formatNumber(value, digits) {
    if (!Number.isFinite(value)) return value > 0 ? "∞" : value < 0 ? "−∞" : "NaN";
    if (value === 0) return "0";
    const magnitude = Math.abs(value);
    if (magnitude >= 1e-3 && magnitude < 1e5) {
      const text = Number(value.toPrecision(digits)).toLocaleString("en", { maximumSignificantDigits: digits });
      return text.replace("-", "−");
    }
    const [mantissa, exponent] = value.toExponential(digits - 1).split("e");
    const lead = (mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa).replace("-", "−");
    return lead === "1" ? power(Number(exponent)) : `${lead} × ${power(Number(exponent))}`;
  }

  function power(exponent) {
    return `10${String(exponent).split("").map((c) => SUPERSCRIPT[c]).join("")}`;
  }

  // ---- the mathematics, on the statistics ----------------------------------------------
  function standardizedMoments(s) {
    // z = (x − x̄)/σ with σ² = Cxx/N (as linreg.moments.Moments.standardized).
    const scale = Math.sqrt(s.cxx / s.count) || 1;
    return { stats: { count: s.count, mean_x: 0, mean_y: s.mean_y, cxx: s.cxx / (scale * scale),
      cxy: s.cxy / scale, cyy: s.cyy }, scale, mean: s.mean_x };
  }

  function hessian(s) {
    // H = [[2Cxx/N + 2x̄², 2x̄], [2x̄, 2]]
    const h = [[(2 / s.count) * s.cxx + 2 * s.mean_x * s.mean_x, 2 * s.mean_x], [2 * s.mean_x, 2]];
    h.det = (4 / s.count) * s.cxx;
    return h;
  }

  function eigenvalues(h) {
    const mean = (h[0][0] + h[1][1]) / 2;
    const radius = Math.hypot((h[0][0] - h[1][1]) / 2, h[0][1]);
    const top = mean + radius;
    // The small one from the determinant, det H = 4Cxx/N (no cancellation when κ is large).
    return [h.det / top, top];
  }

  // Loss and gradient at (m, b) from the statistics (linreg.descent's moments oracle).
  function oracle(s, m, b) {
    const centre = s.mean_y - s.mean_x * m - b;
    const pulled = s.cxx * m - s.cxy;
    const quadratic = s.cyy - m * s.cxy + m * pulled;
    return [Math.max(quadratic, 0) / s.count + centre * centre,
      (2 / s.count) * pulled - 2 * centre * s.mean_x, -2 * centre];
  }

  function optimum(s) {
    const m = s.cxy / s.cxx;
    return { m, b: s.mean_y - m * s.mean_x };
  }

  // The largest |root| of z² − (1 + μ − ηλ)z + μ over the eigenvalues: the factor by
  // which the distance to the optimum shrinks per step (for μ = 0, max |1 − ηλ|).
  function contraction(rate, mu, lambdas) {
    let rho = 0;
    for (const lambda of lambdas) {
      const a = 1 + mu - rate * lambda;
      const disc = a * a - 4 * mu;
      const r = disc < 0 ? Math.sqrt(mu) : Math.max(Math.abs((a + Math.sqrt(disc)) / 2), Math.abs((a - Math.sqrt(disc)) / 2));
      rho = Math.max(rho, r);
    }
    return rho;
  }

  // The exact number of iterations until ‖θ_k − θ*‖ ≤ target (in the data's units), from
  // this start, as linreg.minimize predicts it: in the Hessian's eigenbasis each component
  // of the error follows e_{k+1} = (1 + μ − ηλ)e_k − μe_{k−1}, e_1 = (1 − ηλ)e_0.
  const EXHAUSTIVE = 1 << 20;
  function eigenvectors(h, lambdas) {
    if (Math.abs(h[0][1]) < 1e-300 * Math.max(1, Math.abs(h[0][0]))) {
      return h[0][0] <= h[1][1] ? [[1, 0], [0, 1]] : [[0, 1], [1, 0]];
    }
    return lambdas.map((lambda) => {
      const u = [h[0][1], lambda - h[0][0]], v = [lambda - h[1][1], h[0][1]];
      const best = Math.hypot(...u) >= Math.hypot(...v) ? u : v;
      const size = Math.hypot(...best);
      return [best[0] / size, best[1] / size];
    });
  }

  function crossing(s, scale, mean, settings, start, star, target) {
    const { rate, momentum: mu } = settings;
    const h = hessian(s), lambdas = eigenvalues(h), q = eigenvectors(h, lambdas);
    const e0 = [start[0] - star[0], start[1] - star[1]];
    // Each direction's share of the error, mapped to the data's units (m = w/s, b = b_z − x̄m).
    const D = q.map((v) => {
      const c = v[0] * e0[0] + v[1] * e0[1];
      const w = (c * v[0]) / scale;
      return [w, c * v[1] - mean * w];
    });
    const norm = (p) => Math.hypot(p[0] * D[0][0] + p[1] * D[1][0], p[0] * D[0][1] + p[1] * D[1][1]);
    const a = lambdas.map((lambda) => 1 + mu - rate * lambda);
    if (norm([1, 1]) <= target) return 0;
    // The scan, unrolled on plain numbers (it runs up to a million steps per redraw).
    const [d00, d01, d10, d11] = [D[0][0], D[0][1], D[1][0], D[1][1]], [a0, a1] = a;
    const target2 = target * target;
    let p0 = 1 - rate * lambdas[0], p1 = 1 - rate * lambdas[1], r0 = 1, r1 = 1;
    for (let k = 1; k < EXHAUSTIVE; k++) {
      const x = p0 * d00 + p1 * d10, y = p0 * d01 + p1 * d11, d2 = x * x + y * y;
      if (d2 <= target2 && norm([p0, p1]) <= target) return k;
      if (!Number.isFinite(d2)) return Infinity;
      const n0 = a0 * p0 - mu * r0, n1 = a1 * p1 - mu * r1;
      r0 = p0; r1 = p1; p0 = n0; p1 = n1;
    }
    if (contraction(rate, mu, lambdas) >= 1) return Infinity;
    // p_k for any k: [p_k, p_{k−1}] = M^{k−1}[p_1, p_0], M = [[a, −μ], [1, 0]], by squaring.
    const at = (k) => [0, 1].map((j) => {
      let result = [[1, 0], [0, 1]], base = [[a[j], -mu], [1, 0]], n = k - 1;
      const times = (x, y) => [[x[0][0] * y[0][0] + x[0][1] * y[1][0], x[0][0] * y[0][1] + x[0][1] * y[1][1]],
        [x[1][0] * y[0][0] + x[1][1] * y[1][0], x[1][0] * y[0][1] + x[1][1] * y[1][1]]];
      while (n > 0) { if (n % 2 === 1) result = times(result, base); base = times(base, base); n = Math.floor(n / 2); }
      return result[0][0] * (1 - rate * lambdas[j]) + result[0][1];
    });
    let high = EXHAUSTIVE;
    while (norm(at(high)) > target) { high *= 2; if (high > 1e15) return Infinity; }
    let low = high / 2;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (norm(at(middle)) <= target) high = middle; else low = middle;
    }
    return high;
  }

  // The run: parameters and loss after each iteration, in the data's units.
  function run(data, settings) {
    const raw = data.moments;
    const { rate, momentum: mu, standardize, m0, b0, iterations } = settings;
    let s = raw, scale = 1, mean = 0;
    if (standardize) ({ stats: s, scale, mean } = standardizedMoments(raw));
    const lambdas = eigenvalues(hessian(s));
    const bound = (2 * (1 + mu)) / lambdas[1];
    const ms = new Float64Array(iterations + 1), bs = new Float64Array(iterations + 1);
    const losses = new Float64Array(iterations + 1);
    let w = m0 * scale, b = b0 + mean * m0, vw = 0, vb = 0;
    let reached = iterations, stop = null, linregStops = null;
    for (let k = 0; k <= iterations; k++) {
      const [loss, gw, gb] = oracle(s, w, b);
      ms[k] = w / scale; bs[k] = b - mean * (w / scale); losses[k] = loss;
      if (k > 0 && rate > bound && linregStops === null && loss > losses[k - 1]) linregStops = k;
      if (!Number.isFinite(loss) || loss > GROWTH_LIMIT * losses[0]) {
        reached = k; stop = "grew"; break;
      }
      if (k === iterations) break;
      vw = mu * vw + gw; vb = mu * vb + gb;
      w = w - rate * vw; b = b - rate * vb;
    }
    const star = optimum(raw);
    const target = settings.tol * Math.hypot(star.m, star.b);
    const needed = rate < bound
      ? crossing(s, scale, mean, settings, [m0 * scale, b0 + mean * m0], [star.m * scale, star.b + mean * star.m], target)
      : Infinity;
    return { m: ms.subarray(0, reached + 1), b: bs.subarray(0, reached + 1),
      loss: losses.subarray(0, reached + 1), reached, stop, linregStops, bound, lambdas,
      rho: contraction(rate, mu, lambdas), needed };
  }

  function relativeDistance(star, m, b) {
    return Math.hypot(m - star.m, b - star.b) / Math.hypot(star.m, star.b);
  }

  // ---- drawing ---------------------------------------------------------------------
  function element(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  function linear(lo, hi, outLo, outHi) {
    const f = (v) => outLo + ((v - lo) / (hi - lo)) * (outHi - outLo);
    f.invert = (p) => lo + ((p - outLo) / (outHi - outLo)) * (hi - lo);
    return f;
  }

  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((f) => f * power).find((v) => v >= raw);
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return ticks;
  }

  function frameOf(svg, frame, id) {
    const clip = element("clipPath", { id }, element("defs", {}, svg));
    element("rect", { x: frame.left, y: frame.top, width: frame.right - frame.left, height: frame.bottom - frame.top }, clip);
    return element("g", { "clip-path": `url(#${id})` }, svg);
  }

  function axes(svg, frame, xTicks, yTicks, xLabel, yLabel) {
    const group = element("g", { class: "explorer-axes" }, svg);
    element("rect", { x: frame.left, y: frame.top, width: frame.right - frame.left,
      height: frame.bottom - frame.top, fill: "none", stroke: "#666" }, group);
    for (const [position, text] of xTicks) {
      element("line", { x1: position, x2: position, y1: frame.bottom, y2: frame.bottom + 4, stroke: "#666" }, group);
      element("text", { x: position, y: frame.bottom + 15, "text-anchor": "middle", class: "tick" }, group).textContent = text;
    }
    for (const [position, text] of yTicks) {
      element("line", { x1: frame.left - 4, x2: frame.left, y1: position, y2: position, stroke: "#666" }, group);
      element("text", { x: frame.left - 6, y: position + 4, "text-anchor": "end", class: "tick" }, group).textContent = text;
    }
    element("text", { x: (frame.left + frame.right) / 2, y: H - 6, "text-anchor": "middle", class: "label" }, group).textContent = xLabel;
    const middle = (frame.top + frame.bottom) / 2;
    element("text", { x: 11, y: middle, "text-anchor": "middle", class: "label",
      transform: `rotate(-90 11 ${middle})` }, group).textContent = yLabel;
  }

  // viridis, sampled at nine points.
  const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
  function colour(t) {
    const u = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
    const i = Math.min(Math.floor(u), VIRIDIS.length - 2), f = u - i;
    return VIRIDIS[i].map((v, c) => Math.round(v + (VIRIDIS[i + 1][c] - v) * f));
  }

  function logTicks(lo, hi) {
    const ticks = [];
    const stride = Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo)) / 5));
    for (let p = Math.ceil(lo); p <= hi; p += stride) ticks.push(p);
    return ticks;
  }

  // ---- the page --------------------------------------------------------------------
  function start() {
    const source = document.getElementById("explorer-data");
    const root = document.getElementById("explorer");
    if (!source || !root || root.dataset.ready) return;
    root.dataset.ready = "1";
    const data = JSON.parse(source.textContent);
    const raw = data.moments;
    const star = optimum(raw);
    const byId = (id) => document.getElementById(id);
    const controls = {
      rate: byId("explorer-rate"), rateNumber: byId("explorer-rate-number"),
      momentum: byId("explorer-momentum"), standardize: byId("explorer-standardize"),
      budget: byId("explorer-budget"), iteration: byId("explorer-iteration"),
      play: byId("explorer-play"), reset: byId("explorer-reset"),
    };
    const state = {
      rate: data.defaults.learning_rate, momentum: data.defaults.momentum, standardize: false,
      m0: data.defaults.m0, b0: data.defaults.b0, iterations: data.defaults.num_iterations,
      shown: data.defaults.num_iterations,
    };
    let current = null;

    // Rate slider: log scale relative to the plain-step bound 2/λmax of the problem descended.
    function plainBound() {
      const s = state.standardize ? standardizedMoments(raw).stats : raw;
      return 2 / eigenvalues(hessian(s))[1];
    }
    function rateFromSlider(position) {
      const decades = -RATE_DECADES.below + (position / RATE_STEPS) * (RATE_DECADES.below + RATE_DECADES.above);
      return Number((plainBound() * 10 ** decades).toPrecision(4));
    }
    function sliderFromRate(rate) {
      const decades = Math.log10(rate / plainBound());
      return Math.round(((decades + RATE_DECADES.below) / (RATE_DECADES.below + RATE_DECADES.above)) * RATE_STEPS);
    }
    controls.rate.max = RATE_STEPS;

    // --- static layers ---
    const xs = data.points.x, ys = data.points.y;
    const xLo = Math.floor(Math.min(...xs) / 10) * 10, xHi = Math.ceil(Math.max(...xs) / 10) * 10;
    const yLo = Math.floor(Math.min(...ys) / 20) * 20, yHi = Math.ceil(Math.max(...ys) / 20) * 20;
    const px = linear(xLo, xHi, FRAME.left, FRAME.right), py = linear(yLo, yHi, FRAME.bottom, FRAME.top);
    const lineSvg = byId("explorer-line");
    axes(lineSvg, FRAME, niceTicks(xLo, xHi, 5).map((v) => [px(v), String(v)]),
      niceTicks(yLo, yHi, 5).map((v) => [py(v), String(v)]), "hours studied x", "test score y");
    const lineLayer = frameOf(lineSvg, FRAME, "explorer-clip-line");
    xs.forEach((x, i) => element("circle", { cx: px(x), cy: py(ys[i]), r: 2, fill: "#1f77b4", "fill-opacity": 0.7 }, lineLayer));
    const bestLine = element("line", { x1: px(xLo), x2: px(xHi), y1: py(star.m * xLo + star.b), y2: py(star.m * xHi + star.b),
      stroke: "#333", "stroke-dasharray": "4 3" }, lineLayer);
    bestLine.appendChild(element("title", {})).textContent = "the least-squares line";
    const fitted = element("line", { x1: px(xLo), x2: px(xHi), stroke: "#d62728", "stroke-width": 2.2 }, lineLayer);

    const view = data.view;
    const sm = linear(view.m[0], view.m[1], SURFACE_FRAME.left, SURFACE_FRAME.right);
    const sb = linear(view.b[0], view.b[1], SURFACE_FRAME.bottom, SURFACE_FRAME.top);
    const surfaceSvg = byId("explorer-surface");
    const surfaceLayer = frameOf(surfaceSvg, SURFACE_FRAME, "explorer-clip-surface");
    // The heatmap: log10 E on a fine grid, one image, so no seams between cells.
    const cols = 192, rows = 144, grid = [];
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        const m = view.m[0] + ((i + 0.5) / cols) * (view.m[1] - view.m[0]);
        const b = view.b[1] - ((j + 0.5) / rows) * (view.b[1] - view.b[0]);
        grid.push(Math.log10(oracle(raw, m, b)[0]));
      }
    }
    const eLo = Math.floor(Math.min(...grid)), eHi = Math.ceil(Math.max(...grid));
    const canvas = document.createElement("canvas");
    canvas.width = cols; canvas.height = rows;
    const context = canvas.getContext("2d");
    const image = context.createImageData(cols, rows);
    grid.forEach((v, k) => {
      const [r, g, bl] = colour((v - eLo) / (eHi - eLo));
      image.data.set([r, g, bl, 255], 4 * k);
    });
    context.putImageData(image, 0, 0);
    element("image", { href: canvas.toDataURL(), x: SURFACE_FRAME.left, y: SURFACE_FRAME.top,
      width: SURFACE_FRAME.right - SURFACE_FRAME.left, height: SURFACE_FRAME.bottom - SURFACE_FRAME.top,
      preserveAspectRatio: "none" }, surfaceLayer);
    axes(surfaceSvg, SURFACE_FRAME, niceTicks(view.m[0], view.m[1], 5).map((v) => [sm(v), String(v)]),
      niceTicks(view.b[0], view.b[1], 5).map((v) => [sb(v), String(v)]), "slope m", "intercept b");
    // The colour bar, log10 E.
    const bar = { left: W - 52, width: 9 };
    const cy = linear(eLo, eHi, SURFACE_FRAME.bottom, SURFACE_FRAME.top);
    const barGroup = element("g", { class: "explorer-colourbar" }, surfaceSvg);
    const steps = 48;
    for (let k = 0; k < steps; k++) {
      const v0 = eLo + (k / steps) * (eHi - eLo), v1 = eLo + ((k + 1) / steps) * (eHi - eLo);
      element("rect", { x: bar.left, y: cy(v1), width: bar.width, height: cy(v0) - cy(v1) + 0.6,
        fill: `rgb(${colour(k / (steps - 1)).join(",")})` }, barGroup);
    }
    element("rect", { x: bar.left, y: SURFACE_FRAME.top, width: bar.width,
      height: SURFACE_FRAME.bottom - SURFACE_FRAME.top, fill: "none", stroke: "#666" }, barGroup);
    for (const p of logTicks(eLo, eHi)) {
      element("line", { x1: bar.left + bar.width, x2: bar.left + bar.width + 3, y1: cy(p), y2: cy(p), stroke: "#666" }, barGroup);
      element("text", { x: bar.left + bar.width + 4, y: cy(p) + 4, class: "tick" }, barGroup).textContent = power(p);
    }
    element("text", { x: W - 6, y: (SURFACE_FRAME.top + SURFACE_FRAME.bottom) / 2, "text-anchor": "middle", class: "label",
      transform: `rotate(90 ${W - 6} ${(SURFACE_FRAME.top + SURFACE_FRAME.bottom) / 2})` }, barGroup).textContent = "E(m, b), log scale";
    const starMark = element("text", { x: sm(star.m), y: sb(star.b) + 5, "text-anchor": "middle", class: "explorer-star" }, surfaceLayer);
    starMark.textContent = "★";
    const path = element("polyline", { fill: "none", stroke: "#ff4136", "stroke-width": 1.6, "stroke-linejoin": "round" }, surfaceLayer);
    const here = element("circle", { r: 3.2, fill: "#ff4136", stroke: "white", "stroke-width": 1 }, surfaceLayer);
    const handle = element("circle", { r: 7, class: "explorer-handle", tabindex: 0, role: "slider",
      "aria-label": "starting point (m, b): drag it, or use the arrow keys", "aria-valuetext": "" }, surfaceSvg);

    const lossSvg = byId("explorer-loss");
    const lossLayerHolder = { layer: null, axes: null };
    const dLo = -8, dHi = 2;
    const dy = linear(dLo, dHi, FRAME.bottom, FRAME.top);
    const tolLevel = Math.log10(data.defaults.tol);

    function drawLossAxes() {
      while (lossSvg.firstChild) lossSvg.removeChild(lossSvg.firstChild);
      const dx = linear(0, state.iterations, FRAME.left, FRAME.right);
      axes(lossSvg, FRAME, niceTicks(0, state.iterations, 4).map((v) => [dx(v), formatNumber(v, 3)]),
        logTicks(dLo, dHi).map((p) => [dy(p), power(p)]), "iteration k", "‖θ − θ*‖ / ‖θ*‖");
      const layer = frameOf(lossSvg, FRAME, "explorer-clip-loss");
      element("line", { x1: FRAME.left, x2: FRAME.right, y1: dy(tolLevel), y2: dy(tolLevel), stroke: "#333",
        "stroke-dasharray": "4 3" }, layer);
      element("text", { x: FRAME.right - 4, y: dy(tolLevel) - 4, "text-anchor": "end", class: "tick" }, layer).textContent =
        `tolerance ${formatNumber(data.defaults.tol, 1)}`;
      lossLayerHolder.layer = layer;
      lossLayerHolder.curve = element("polyline", { fill: "none", stroke: "#2ca02c", "stroke-width": 1.8 }, layer);
      lossLayerHolder.marker = element("line", { y1: FRAME.top, y2: FRAME.bottom, stroke: "#999" }, layer);
      lossLayerHolder.dx = dx;
    }

    // --- computing and showing ---
    function recompute() {
      current = run(data, { rate: state.rate, momentum: state.momentum, standardize: state.standardize,
        m0: state.m0, b0: state.b0, iterations: state.iterations, tol: data.defaults.tol });
      current.distance = Array.from(current.m, (m, k) => relativeDistance(star, m, current.b[k]));
      current.firstWithin = current.distance.findIndex((d) => d <= data.defaults.tol);
      // The curve, thinned to about a thousand points.
      const stride = Math.max(1, Math.floor(current.reached / 1000));
      const points = [];
      for (let k = 0; k <= current.reached; k += stride) {
        const d = Math.max(Math.min(Math.log10(current.distance[k]), dHi + 1), dLo - 1);
        points.push(`${lossLayerHolder.dx(k).toFixed(2)},${dy(d).toFixed(2)}`);
      }
      lossLayerHolder.curve.setAttribute("points", points.join(" "));
      const pathPoints = [];
      const pathStride = Math.max(1, Math.floor(current.reached / 4000));
      for (let k = 0; k <= current.reached; k += pathStride) {
        pathPoints.push(`${clampPx(sm(current.m[k]))},${clampPx(sb(current.b[k]))}`);
      }
      path.setAttribute("points", pathPoints.join(" "));
      handle.setAttribute("cx", sm(state.m0)); handle.setAttribute("cy", sb(state.b0));
      handle.setAttribute("aria-valuetext", `m = ${formatNumber(state.m0, 3)}, b = ${formatNumber(state.b0, 3)}`);
    }

    function clampPx(v) { return Math.max(-2000, Math.min(2000, v)).toFixed(2); }

    function show() {
      const k = Math.min(state.shown, current.reached);
      const m = current.m[k], b = current.b[k];
      fitted.setAttribute("y1", clampPx(py(m * xLo + b))); fitted.setAttribute("y2", clampPx(py(m * xHi + b)));
      here.setAttribute("cx", clampPx(sm(m))); here.setAttribute("cy", clampPx(sb(b)));
      lossLayerHolder.marker.setAttribute("x1", lossLayerHolder.dx(k)); lossLayerHolder.marker.setAttribute("x2", lossLayerHolder.dx(k));
      const readout = byId("explorer-readout");
      Object.assign(readout.dataset, { k: String(k), m: String(m), b: String(b), loss: String(current.loss[k]),
        distance: String(current.distance[k]) });
      readout.innerHTML = [
        `iteration <b>${k.toLocaleString("en")}</b>`,
        `m = ${formatNumber(m, 6)}`, `b = ${formatNumber(b, 6)}`, `E = ${formatNumber(current.loss[k], 6)}`,
        `‖θ − θ*‖/‖θ*‖ = ${formatNumber(current.distance[k], 3)}`,
      ].map((t) => `<span class="explorer-nowrap">${t}</span>`).join(" · ");
      byId("explorer-iteration-value").textContent = k.toLocaleString("en");
      verdict();
    }

    function verdict() {
      const box = byId("explorer-verdict");
      const tol = formatNumber(data.defaults.tol, 1);
      const boundText = `2(1 + μ)/λ<sub>max</sub> = ${formatNumber(current.bound, 4)}`;
      const span = (t) => `<span class="explorer-nowrap">${t}</span>`;
      let kind, text;
      if (state.rate > current.bound) {
        kind = "diverges";
        const last = current.reached;
        text = `Diverges: η is above the bound ${span(boundText)}. ` +
          (current.stop === "grew"
            ? `The run stopped at iteration ${last.toLocaleString("en")} of ${state.iterations.toLocaleString("en")}, when the loss had grown ${span(formatNumber(current.loss[last] / current.loss[0], 2))}-fold` +
              (Number.isFinite(current.loss[last]) ? "" : " (past float64’s range)") + ". "
            : `The distance grows by ${span(`ρ = ${formatNumber(current.rho, 4)}`)} per step. `) +
          (current.linregStops !== null
            ? `linreg.gradient_descent raises DivergenceError at iteration ${current.linregStops}, the first step at which the loss grows.`
            : "");
      } else if (current.firstWithin >= 0) {
        kind = "converges";
        text = `Converges: certified within ${tol} of the optimum (‖θ − θ*‖/‖θ*‖ ≤ ${tol}) first at iteration ${current.firstWithin.toLocaleString("en")}.`;
      } else {
        kind = "crawls";
        const needed = current.needed;
        text = `Crawls: η is below the bound ${span(boundText)}, but after ${state.iterations.toLocaleString("en")} iterations ` +
          `the distance is still ${span(formatNumber(current.distance[current.reached], 3))} of ‖θ*‖. ` +
          `It shrinks by about ${span(`ρ = ${formatNumber(current.rho, 9)}`)} per step; from this start it reaches ${tol} ` +
          `after exactly ${span(Number.isFinite(needed) ? needed.toLocaleString("en") : "∞")} iterations.`;
      }
      box.dataset.verdict = kind;
      box.innerHTML = text;
    }

    function syncControls() {
      controls.rate.value = sliderFromRate(state.rate);
      controls.rateNumber.value = String(state.rate);
      byId("explorer-rate-value").textContent = formatNumber(state.rate, 4);
      controls.momentum.value = String(state.momentum);
      byId("explorer-momentum-value").textContent = state.momentum.toFixed(2);
      controls.standardize.checked = state.standardize;
      controls.budget.value = String(state.iterations);
      controls.iteration.max = String(state.iterations);
      controls.iteration.value = String(Math.min(state.shown, state.iterations));
      // The bound's place on the rate slider.
      const bound = (2 * (1 + state.momentum)) / (2 / plainBound());
      const at = Math.min(Math.max(sliderFromRate(bound) / RATE_STEPS, 0), 1);
      byId("explorer-bound").style.left = `${(100 * at).toFixed(2)}%`;
    }

    function update(changes, redrawAxes) {
      Object.assign(state, changes);
      if (redrawAxes) drawLossAxes();
      syncControls();
      recompute();
      show();
    }

    // --- controls ---
    controls.rate.addEventListener("input", () => update({ rate: rateFromSlider(Number(controls.rate.value)) }));
    controls.rateNumber.addEventListener("change", () => {
      const value = Number(controls.rateNumber.value);
      if (Number.isFinite(value) && value > 0) update({ rate: value });
      else syncControls();
    });
    controls.momentum.addEventListener("input", () => update({ momentum: Number(controls.momentum.value) }));
    controls.standardize.addEventListener("change", () => {
      // Keep the rate's place relative to the bound: the same slider position.
      const position = Number(controls.rate.value);
      state.standardize = controls.standardize.checked;
      update({ rate: rateFromSlider(position) });
    });
    controls.budget.addEventListener("change", () => {
      const iterations = Number(controls.budget.value);
      update({ iterations, shown: iterations }, true);
    });
    controls.iteration.addEventListener("input", () => { stopPlaying(); state.shown = Number(controls.iteration.value); show(); });
    controls.reset.addEventListener("click", () => {
      stopPlaying();
      update({ rate: data.defaults.learning_rate, momentum: data.defaults.momentum, standardize: false,
        m0: data.defaults.m0, b0: data.defaults.b0, iterations: data.defaults.num_iterations,
        shown: data.defaults.num_iterations }, true);
    });

    // Play: from 0 to the end in about four seconds, slow at first (iterations matter most early).
    let timer = null;
    function stopPlaying() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      controls.play.textContent = "▶ play"; controls.play.setAttribute("aria-pressed", "false");
    }
    controls.play.addEventListener("click", () => {
      if (timer !== null) { stopPlaying(); return; }
      if (state.shown >= Math.min(state.iterations, current.reached)) state.shown = 0;
      controls.play.textContent = "❚❚ pause"; controls.play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => {
        const end = Math.min(state.iterations, current.reached);
        state.shown = Math.min(end, Math.max(state.shown + 1, Math.ceil(state.shown * 1.04)));
        controls.iteration.value = String(state.shown);
        show();
        if (state.shown >= end) stopPlaying();
      }, 40);
    });

    // The starting point: drag it (mouse, pen or touch) anywhere on the surface, or move it
    // with the arrow keys (Shift for small steps).
    function toData(event) {
      const point = surfaceSvg.createSVGPoint();
      point.x = event.clientX; point.y = event.clientY;
      const local = point.matrixTransform(surfaceSvg.getScreenCTM().inverse());
      const x = Math.min(Math.max(local.x, SURFACE_FRAME.left), SURFACE_FRAME.right);
      const y = Math.min(Math.max(local.y, SURFACE_FRAME.top), SURFACE_FRAME.bottom);
      return { m0: Number(sm.invert(x).toPrecision(4)), b0: Number(sb.invert(y).toPrecision(4)) };
    }
    let dragging = null;
    surfaceSvg.addEventListener("pointerdown", (event) => {
      dragging = event.pointerId;
      surfaceSvg.setPointerCapture(event.pointerId);
      stopPlaying();
      update({ ...toData(event), shown: state.iterations });
      event.preventDefault();
    });
    surfaceSvg.addEventListener("pointermove", (event) => {
      if (dragging === event.pointerId) update({ ...toData(event) });
    });
    const release = (event) => { if (dragging === event.pointerId) dragging = null; };
    surfaceSvg.addEventListener("pointerup", release);
    surfaceSvg.addEventListener("pointercancel", release);
    handle.addEventListener("keydown", (event) => {
      const fine = event.shiftKey ? 0.1 : 1;
      const dm = ((view.m[1] - view.m[0]) / 35) * fine, db = ((view.b[1] - view.b[0]) / 30) * fine;
      const moves = { ArrowLeft: [-dm, 0], ArrowRight: [dm, 0], ArrowUp: [0, db], ArrowDown: [0, -db] };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      const clampTo = (v, r) => Math.min(Math.max(v, r[0]), r[1]);
      update({ m0: Number(clampTo(state.m0 + move[0], view.m).toPrecision(4)),
        b0: Number(clampTo(state.b0 + move[1], view.b).toPrecision(4)), shown: state.iterations });
    });

    drawLossAxes();
    update({});
    // For the browser tests (and the curious, from the console).
    window.linregExplorer = {
      run: (settings) => {
        const r = run(data, { tol: data.defaults.tol, ...settings });
        return { m: Array.from(r.m), b: Array.from(r.b), loss: Array.from(r.loss), reached: r.reached,
          stop: r.stop, linregStops: r.linregStops, bound: r.bound, lambdas: r.lambdas, rho: r.rho,
          needed: Number.isFinite(r.needed) ? r.needed : null };
      },
      optimum: () => ({ ...star }),
      state: () => ({ ...state }),
      verdict: () => byId("explorer-verdict").dataset.verdict,
      formatNumber,
    };
  }

  // Material for MkDocs loads pages without a full reload; run on each page view.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
