// The explorer page: linreg's eight methods on the livestream's data, run in the page.
//
// The build passes the data's one-pass statistics (linreg.plot.explorer_data): for one
// feature the loss, the gradient and the Hessian depend on the data only through N, x̄,
// ȳ, Cxx, Cxy and Cyy. The page iterates the same updates as linreg.minimize (see
// linreg.methods: gd, heavy-ball momentum, Nesterov, steepest descent, Barzilai–Borwein,
// Adam, conjugate gradients, Newton) in the coordinates linreg descends (standardize
// descends on z = (x − x̄)/s and maps back), and tests/test_docs.py holds its iterates
// to linreg's to 1e-9 for every method.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const W = 320, H = 250;
  const FRAME = { left: 48, right: W - 16, top: 10, bottom: H - 40 };
  const SURFACE_FRAME = { left: 48, right: W - 58, top: 10, bottom: H - 40 };
  const RATE_DECADES = { below: 3, above: 0.65 }; // the rate slider spans bound·10^[-3, 0.65]
  const RATE_STEPS = 400;
  // The screen reader hears the verdict at most this often (ms), once the page is still.
  const ANNOUNCE_DELAY = 1000;
  const ADAM_BETA2 = 0.999, ADAM_EPS = 1e-8; // linreg.methods' constants
  // The methods whose step is the learning rate (and momentum), as linreg.methods.METHODS.
  const USES = { gd: ["rate"], momentum: ["rate", "momentum"], nesterov: ["rate", "momentum"],
    steepest: [], bb: [], adam: ["rate", "momentum"], cg: [], newton: [] };

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

  function count(k) { return k.toLocaleString("en"); }

  // ---- the mathematics, on the statistics ----------------------------------------------
  function standardizedMoments(s) {
    // z = (x − x̄)/σ with σ² = Cxx/N (as linreg.moments.Moments.standardized).
    const scale = Math.sqrt(s.cxx / s.count) || 1;
    return { stats: { count: s.count, mean_x: 0, mean_y: s.mean_y, cxx: s.cxx / (scale * scale),
      cxy: s.cxy / scale, cyy: s.cyy }, scale, mean: s.mean_x };
  }

  // The problem descended: its statistics and the map between its coordinates (w, b')
  // and the data's (m, b): m = w/scale, b = b' − mean·m.
  function problem(raw, standardize) {
    const base = standardize ? standardizedMoments(raw) : { stats: raw, scale: 1, mean: 0 };
    const h = hessian(base.stats);
    return { ...base, h, lambdas: eigenvalues(h),
      toData: (w, b) => [w / base.scale, b - base.mean * (w / base.scale)],
      toDescended: (m, b) => [m * base.scale, b + base.mean * m] };
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

  // Loss and gradient at (w, b) from the statistics (linreg.moments' loss_and_gradient).
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

  const dot = (u, v) => u[0] * v[0] + u[1] * v[1];
  const times = (h, v) => [h[0][0] * v[0] + h[0][1] * v[1], h[1][0] * v[0] + h[1][1] * v[1]];

  // ---- the methods (linreg.methods, update for update) -----------------------------------
  // Each is (θ, g, memory) -> [θ, memory], with the settings and the Hessian in scope.
  function updates(settings, h) {
    const { rate, momentum: mu } = settings;
    const steepest = (theta, g) => {
      // α = gᵀg / gᵀHg ;  θ ← θ − αg
      const curvature = dot(g, times(h, g));
      if (curvature <= 0) return theta;
      const alpha = dot(g, g) / curvature;
      return [theta[0] - alpha * g[0], theta[1] - alpha * g[1]];
    };
    return {
      gd: { start: () => null, step: (theta, g) => [[theta[0] - rate * g[0], theta[1] - rate * g[1]], null] },
      momentum: {
        // v ← μv + ∇E ;  θ ← θ − ηv
        start: () => [0, 0],
        step: (theta, g, v) => {
          const velocity = [mu * v[0] + g[0], mu * v[1] + g[1]];
          return [[theta[0] - rate * velocity[0], theta[1] - rate * velocity[1]], velocity];
        },
      },
      nesterov: {
        // x_{k+1} = y_k − η∇E(y_k) ;  y_{k+1} = x_{k+1} + μ(x_{k+1} − x_k)
        start: (theta) => theta,
        step: (theta, g, previous) => {
          const ahead = [theta[0] - rate * g[0], theta[1] - rate * g[1]];
          return [[ahead[0] + mu * (ahead[0] - previous[0]), ahead[1] + mu * (ahead[1] - previous[1])], ahead];
        },
      },
      steepest: { start: () => null, step: (theta, g) => [steepest(theta, g), null] },
      bb: {
        start: () => null,
        step: (theta, g, memory) => {
          if (memory === null) return [steepest(theta, g), [theta, g]];
          // s = θ_k − θ_{k−1}, r = g_k − g_{k−1} ;  α = sᵀs/sᵀr ;  θ ← θ − αg
          const s = [theta[0] - memory[0][0], theta[1] - memory[0][1]];
          const r = [g[0] - memory[1][0], g[1] - memory[1][1]];
          const bend = dot(s, r);
          if (bend <= 0) return [theta, [theta, g]];
          const alpha = dot(s, s) / bend;
          return [[theta[0] - alpha * g[0], theta[1] - alpha * g[1]], [theta, g]];
        },
      },
      adam: {
        start: () => ({ first: [0, 0], second: [0, 0], t: 0 }),
        step: (theta, g, memory) => {
          const t = memory.t + 1;
          const first = [0, 1].map((j) => mu * memory.first[j] + (1 - mu) * g[j]);
          const second = [0, 1].map((j) => ADAM_BETA2 * memory.second[j] + (1 - ADAM_BETA2) * g[j] * g[j]);
          const moved = [0, 1].map((j) => {
            const corrected = first[j] / (1 - mu ** t);
            const spread = Math.sqrt(second[j] / (1 - ADAM_BETA2 ** t)) + ADAM_EPS;
            return theta[j] - (rate * corrected) / spread;
          });
          return [moved, { first, second, t }];
        },
      },
      cg: {
        // β = gᵀg / g₋ᵀg₋ (Fletcher–Reeves) ;  d ← −g + βd ; restart every 2 steps
        start: () => ({ direction: [0, 0], previous: Infinity, count: 0 }),
        step: (theta, g, memory) => {
          const gg = dot(g, g);
          if (gg === 0) return [theta, memory];
          const beta = memory.count % 2 === 0 ? 0 : gg / memory.previous;
          const direction = [-g[0] + beta * memory.direction[0], -g[1] + beta * memory.direction[1]];
          const curvature = dot(direction, times(h, direction));
          if (curvature <= 0) return [theta, memory];
          const alpha = -dot(g, direction) / curvature;
          return [[theta[0] + alpha * direction[0], theta[1] + alpha * direction[1]],
            { direction, previous: gg, count: memory.count + 1 }];
        },
      },
      newton: {
        // θ ← θ − H⁻¹∇E
        start: () => null,
        step: (theta, g) => {
          const det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
          const d = [(h[1][1] * g[0] - h[0][1] * g[1]) / det, (h[0][0] * g[1] - h[1][0] * g[0]) / det];
          return [[theta[0] - d[0], theta[1] - d[1]], null];
        },
      },
    };
  }

  // The stability bound of a fixed-step method (linreg.methods' Bound), or null.
  function boundOf(method, mu, lambdaMax) {
    if (method === "gd") return 2 / lambdaMax;
    if (method === "momentum") return (2 * (1 + mu)) / lambdaMax;
    if (method === "nesterov") return (2 * (1 + mu)) / ((1 + 2 * mu) * lambdaMax);
    return null;
  }

  // linreg.minimize's defaults for the method, from the Hessian's eigenvalues ℓ ≤ L.
  function defaultsOf(method, lambdas) {
    const [low, high] = lambdas;
    const rootLow = Math.sqrt(low), rootHigh = Math.sqrt(high);
    if (method === "gd") return { rate: 2 / (low + high), momentum: 0 };
    if (method === "momentum") {
      const mu = ((rootHigh - rootLow) / (rootHigh + rootLow)) ** 2;
      return { rate: (2 * (1 + mu)) / (low + high), momentum: mu };
    }
    if (method === "nesterov") {
      const root = Math.sqrt(high / low);
      return { rate: 1 / high, momentum: (root - 1) / (root + 1) };
    }
    if (method === "adam") return { rate: 1e-3, momentum: 0.9 };
    return null;
  }

  // The fixed-step methods' recurrence in one eigen-direction (linreg.methods'
  // recurrence): e_{k+1} = a·e_k − c·e_{k−1}, e_1 = f·e_0.
  function recurrence(method, rate, mu, lambda) {
    const t = 1 - rate * lambda;
    if (method === "gd") return { a: t, c: 0, f: t };
    if (method === "momentum") return { a: 1 + mu - rate * lambda, c: mu, f: t };
    if (method === "nesterov") return { a: (1 + mu) * t, c: mu * t, f: (1 + mu) * t - mu };
    return null;
  }

  // The largest |root| of z² − az + c: the factor by which that direction's error shrinks.
  function rootSize({ a, c }) {
    const disc = a * a - 4 * c;
    if (disc < 0) return Math.sqrt(c);
    return Math.max(Math.abs((a + Math.sqrt(disc)) / 2), Math.abs((a - Math.sqrt(disc)) / 2));
  }

  // ln of the slow root, accurate when it is within rounding of 1 (η = 1e-13, say): the
  // recurrences above all have 1 − a + c = ηλ, so 1 − r₁ = ηλ/(1 − r₂) with r₂ = c/r₁.
  function logSlowRoot({ a, c }, rate, lambda) {
    const disc = a * a - 4 * c;
    if (disc < 0) return Math.log(c) / 2;
    const r1 = (a + Math.sqrt(disc)) / 2;
    if (c === 0) return Math.log1p(-rate * lambda);
    return Math.log1p(-(rate * lambda) / (1 - c / r1));
  }

  // The iterations until ‖θ_k − θ*‖ ≤ target (in the data's units), from this start, as
  // linreg.minimize predicts them: in the Hessian's eigenbasis each component of the
  // error follows its recurrence. { count, kind }: "exact" (the first crossing), "estimate"
  // (past 2⁵⁰ iterations, from the slowest direction alone) or "never".
  const EXHAUSTIVE = 1 << 20;
  const FARTHEST = 2 ** 50;
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

  function crossing(p, settings, start, star, target) {
    const { method, rate, momentum: mu } = settings;
    const q = eigenvectors(p.h, p.lambdas);
    const e0 = [start[0] - star[0], start[1] - star[1]];
    // Each direction's share of the error, mapped to the data's units.
    const D = q.map((v) => {
      const c = v[0] * e0[0] + v[1] * e0[1];
      return p.toData(c * v[0], c * v[1]); // linear: a difference maps like a point
    });
    const norm = (x) => Math.hypot(x[0] * D[0][0] + x[1] * D[1][0], x[0] * D[0][1] + x[1] * D[1][1]);
    const rec = p.lambdas.map((lambda) => recurrence(method, rate, mu, lambda));
    if (norm([1, 1]) <= target) return { count: 0, kind: "exact" };
    if (Math.max(...rec.map(rootSize)) >= 1) return { count: Infinity, kind: "never" };
    // The scan, unrolled on plain numbers (it runs up to a million steps per redraw).
    const [d00, d01, d10, d11] = [D[0][0], D[0][1], D[1][0], D[1][1]];
    const target2 = target * target;
    let p0 = rec[0].f, p1 = rec[1].f, r0 = 1, r1 = 1;
    const [a0, a1, c0, c1] = [rec[0].a, rec[1].a, rec[0].c, rec[1].c];
    for (let k = 1; k < EXHAUSTIVE; k++) {
      const x = p0 * d00 + p1 * d10, y = p0 * d01 + p1 * d11, d2 = x * x + y * y;
      if (d2 <= target2 && norm([p0, p1]) <= target) return { count: k, kind: "exact" };
      const n0 = a0 * p0 - c0 * r0, n1 = a1 * p1 - c1 * r1;
      r0 = p0; r1 = p1; p0 = n0; p1 = n1;
    }
    // p_k for any k: [p_k, p_{k−1}] = M^{k−1}[p_1, p_0], M = [[a, −c], [1, 0]], by squaring.
    const at = (k) => [0, 1].map((j) => {
      let result = [[1, 0], [0, 1]], base = [[rec[j].a, -rec[j].c], [1, 0]], n = k - 1;
      const mul = (x, y) => [[x[0][0] * y[0][0] + x[0][1] * y[1][0], x[0][0] * y[0][1] + x[0][1] * y[1][1]],
        [x[1][0] * y[0][0] + x[1][1] * y[1][0], x[1][0] * y[0][1] + x[1][1] * y[1][1]]];
      while (n > 0) { if (n % 2 === 1) result = mul(result, base); base = mul(base, base); n = Math.floor(n / 2); }
      return result[0][0] * rec[j].f + result[0][1];
    });
    let high = EXHAUSTIVE;
    while (norm(at(high)) > target) {
      high *= 2;
      if (high > FARTHEST) {
        // So slow that powers of M lose their digits: the slowest direction alone, with
        // its amplitude, from ln|r| computed without cancellation.
        const sizes = rec.map(rootSize), slow = sizes[1] > sizes[0] ? 1 : 0;
        const log = slow === 0 ? logSlowRoot(rec[0], rate, p.lambdas[0]) : Math.log(sizes[1]);
        const steps = Math.log(target / Math.hypot(...D[slow])) / log;
        return { count: Math.ceil(steps), kind: "estimate" };
      }
    }
    let low = high / 2;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (norm(at(middle)) <= target) high = middle; else low = middle;
    }
    return { count: high, kind: "exact" };
  }

  // The run: parameters and loss after each iteration, in the data's units.
  function run(data, settings) {
    const raw = data.moments;
    const { rate, momentum: mu, standardize, m0, b0, iterations } = settings;
    const method = settings.method || (mu > 0 ? "momentum" : "gd");
    const p = problem(raw, standardize);
    const s = p.stats;
    const bound = boundOf(method, mu, p.lambdas[1]);
    const update = updates({ rate, momentum: mu }, p.h)[method];
    const ms = new Float64Array(iterations + 1), bs = new Float64Array(iterations + 1);
    const losses = new Float64Array(iterations + 1);
    let theta = p.toDescended(m0, b0), memory = update.start(theta);
    let reached = iterations, stop = null, linregStops = null;
    for (let k = 0; k <= iterations; k++) {
      const [loss, gw, gb] = oracle(s, theta[0], theta[1]);
      [ms[k], bs[k]] = p.toData(theta[0], theta[1]); losses[k] = loss;
      // linreg.minimize raises DivergenceError at the first growth with η at or above the bound.
      if (k > 0 && bound !== null && rate >= bound && linregStops === null && loss > losses[k - 1]) linregStops = k;
      if (!Number.isFinite(loss) || loss > settings.growthLimit * losses[0]) {
        reached = k; stop = "grew"; break;
      }
      if (k === iterations) break;
      [theta, memory] = update.step(theta, [gw, gb], memory);
    }
    const star = optimum(raw);
    const target = settings.tol * Math.hypot(star.m, star.b);
    const linear = recurrence(method, rate, mu, 1) !== null;
    const rho = linear ? Math.max(...p.lambdas.map((l) => rootSize(recurrence(method, rate, mu, l)))) : null;
    const needed = linear && (bound === null || rate < bound)
      ? crossing(p, { method, rate, momentum: mu }, p.toDescended(m0, b0), p.toDescended(star.m, star.b), target)
      : linear ? { count: Infinity, kind: "never" } : null;
    return { method, m: ms.subarray(0, reached + 1), b: bs.subarray(0, reached + 1),
      loss: losses.subarray(0, reached + 1), reached, stop, linregStops, bound, lambdas: p.lambdas,
      rho, needed };
  }

  function relativeDistance(star, m, b) {
    return Math.hypot(m - star.m, b - star.b) / Math.hypot(star.m, star.b);
  }

  // ---- geometry --------------------------------------------------------------------
  // The part of the segment (x0, y0)–(x1, y1) inside a box (Liang–Barsky), or null. A
  // path that leaves the picture is cut where it leaves, along its own direction.
  function clipSegment(x0, y0, x1, y1, box) {
    let t0 = 0, t1 = 1;
    const dx = x1 - x0, dy = y1 - y0;
    const sides = [[-dx, x0 - box.left], [dx, box.right - x0], [-dy, y0 - box.top], [dy, box.bottom - y0]];
    for (const [p, q] of sides) {
      if (p === 0) { if (q < 0) return null; continue; }
      const t = q / p;
      if (p < 0) { if (t > t1) return null; if (t > t0) t0 = t; } else { if (t < t0) return null; if (t < t1) t1 = t; }
    }
    if (!Number.isFinite(t0) || !Number.isFinite(t1)) return null;
    return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
  }

  // An SVG path through the points, each segment clipped to the box: segments wholly
  // outside are left out, and the path restarts (M) where it comes back in.
  function clippedPath(xs, ys, box) {
    const parts = [], segments = [];
    let open = false, lastX = null, lastY = null;
    for (let k = 1; k < xs.length; k++) {
      const cut = Number.isFinite(xs[k - 1] + ys[k - 1] + xs[k] + ys[k])
        ? clipSegment(xs[k - 1], ys[k - 1], xs[k], ys[k], box) : null;
      if (cut === null) { open = false; continue; }
      const [ax, ay, bx, by] = cut.map((v) => Number(v.toFixed(2)));
      if (!open || ax !== lastX || ay !== lastY) parts.push(`M${ax},${ay}`);
      parts.push(`L${bx},${by}`);
      segments.push([ax, ay, bx, by, k]);
      open = cut[2] === xs[k] && cut[3] === ys[k];
      lastX = bx; lastY = by;
    }
    return { d: parts.join(" ") || "M0,0", segments };
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
    const size = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((f) => f * size).find((v) => v >= raw);
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
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
    return group;
  }

  // viridis, sampled at ten points.
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
      method: byId("explorer-method"), defaults: byId("explorer-defaults"),
      rate: byId("explorer-rate"), rateNumber: byId("explorer-rate-number"),
      momentum: byId("explorer-momentum"), standardize: byId("explorer-standardize"),
      budget: byId("explorer-budget"), iteration: byId("explorer-iteration"),
      play: byId("explorer-play"), reset: byId("explorer-reset"),
    };
    const state = {
      method: "gd", rate: data.defaults.learning_rate, momentum: data.defaults.momentum, standardize: false,
      m0: data.defaults.m0, b0: data.defaults.b0, iterations: data.defaults.num_iterations,
      shown: data.defaults.num_iterations,
    };
    let current = null;

    // Rate slider: log scale relative to the plain-step bound 2/λmax of the problem descended.
    const plainBound = (standardize = state.standardize) => 2 / problem(raw, standardize).lambdas[1];
    function rateFromSlider(position) {
      const decades = -RATE_DECADES.below + (position / RATE_STEPS) * (RATE_DECADES.below + RATE_DECADES.above);
      return Number((plainBound() * 10 ** decades).toPrecision(4));
    }
    function sliderFromRate(rate) {
      const decades = Math.log10(rate / plainBound());
      return Math.round(((decades + RATE_DECADES.below) / (RATE_DECADES.below + RATE_DECADES.above)) * RATE_STEPS);
    }
    // The same place relative to the bound in the other coordinates, to 12 digits (so the
    // page's prose, which does the same in Python, gets the same number).
    const moveRate = (rate, from, to) => Number((rate * (plainBound(to) / plainBound(from))).toPrecision(12));
    controls.rate.max = RATE_STEPS;

    // --- the line over the data ---
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
    const fitted = element("line", { stroke: "#d62728", "stroke-width": 2.2 }, lineLayer);

    // --- the error surface: in the coordinates descended, so standardize reshapes it ---
    const surfaceSvg = byId("explorer-surface");
    const surface = { layer: null, heat: null, axes: null, path: null, here: null, star: null, sx: null, sy: null, view: null };
    const handle = element("circle", { r: 7, class: "explorer-handle", tabindex: 0, role: "slider",
      "aria-label": "starting point: drag it, or use the arrow keys (left and right move the slope, up and down the intercept)",
      "aria-orientation": "horizontal" }, surfaceSvg);

    function surfaceView(standardize) {
      if (!standardize) return { x: data.view.m, y: data.view.b, labels: ["slope m", "intercept b"] };
      // Equal scales round the optimum, wide enough to show the start at the origin.
      const p = problem(raw, true), [w, b] = p.toDescended(star.m, star.b);
      const half = 1.1 * Math.max(Math.abs(w), Math.abs(b));
      return { x: [w - half, w + half], y: [b - half, b + half],
        labels: ["w_z = m·s (slope per s.d.)", "b_z = b + m·x̄ (at the mean)"] };
    }

    function drawSurface() {
      for (const child of [...surfaceSvg.childNodes]) if (child !== handle) child.remove();
      const view = surfaceView(state.standardize), p = problem(raw, state.standardize);
      const sx = linear(view.x[0], view.x[1], SURFACE_FRAME.left, SURFACE_FRAME.right);
      const sy = linear(view.y[0], view.y[1], SURFACE_FRAME.bottom, SURFACE_FRAME.top);
      const layer = frameOf(surfaceSvg, SURFACE_FRAME, "explorer-clip-surface");
      // The heatmap: log10 E on a fine grid, one image, so no seams between cells.
      const cols = 192, rows = 144, grid = [];
      for (let j = 0; j < rows; j++) {
        for (let i = 0; i < cols; i++) {
          const w = view.x[0] + ((i + 0.5) / cols) * (view.x[1] - view.x[0]);
          const b = view.y[1] - ((j + 0.5) / rows) * (view.y[1] - view.y[0]);
          grid.push(Math.log10(oracle(p.stats, w, b)[0]));
        }
      }
      const eLo = Math.floor(Math.min(...grid)), eHi = Math.ceil(Math.max(...grid));
      const canvas = document.createElement("canvas");
      canvas.width = cols; canvas.height = rows;
      const context = canvas.getContext("2d");
      const image = context.createImageData(cols, rows);
      grid.forEach((v, k) => image.data.set([...colour((v - eLo) / (eHi - eLo)), 255], 4 * k));
      context.putImageData(image, 0, 0);
      const heat = element("image", { href: canvas.toDataURL(), x: SURFACE_FRAME.left, y: SURFACE_FRAME.top,
        width: SURFACE_FRAME.right - SURFACE_FRAME.left, height: SURFACE_FRAME.bottom - SURFACE_FRAME.top,
        preserveAspectRatio: "none", class: "explorer-heat" }, layer);
      const axesGroup = axes(surfaceSvg, SURFACE_FRAME, niceTicks(view.x[0], view.x[1], 4).map((v) => [sx(v), String(v)]),
        niceTicks(view.y[0], view.y[1], 5).map((v) => [sy(v), String(v)]), view.labels[0], view.labels[1]);
      // The colour bar, log10 E, labelled above itself (inside the picture).
      const bar = { left: SURFACE_FRAME.right + 8, width: 9 };
      const cy = linear(eLo, eHi, SURFACE_FRAME.bottom, SURFACE_FRAME.top + 12);
      const barGroup = element("g", { class: "explorer-colourbar" }, surfaceSvg);
      const steps = 48;
      for (let k = 0; k < steps; k++) {
        const v0 = eLo + (k / steps) * (eHi - eLo), v1 = eLo + ((k + 1) / steps) * (eHi - eLo);
        element("rect", { x: bar.left, y: cy(v1), width: bar.width, height: cy(v0) - cy(v1) + 0.6,
          fill: `rgb(${colour(k / (steps - 1)).join(",")})` }, barGroup);
      }
      element("rect", { x: bar.left, y: cy(eHi), width: bar.width, height: cy(eLo) - cy(eHi), fill: "none", stroke: "#666" }, barGroup);
      for (const q of logTicks(eLo, eHi)) {
        element("line", { x1: bar.left + bar.width, x2: bar.left + bar.width + 3, y1: cy(q), y2: cy(q), stroke: "#666" }, barGroup);
        element("text", { x: bar.left + bar.width + 4, y: cy(q) + 4, class: "tick" }, barGroup).textContent = power(q);
      }
      element("text", { x: bar.left - 2, y: SURFACE_FRAME.top + 4, class: "tick explorer-bar-label" }, barGroup).textContent = "E";
      const [starW, starB] = p.toDescended(star.m, star.b);
      const starMark = element("text", { x: sx(starW), y: sy(starB) + 5, "text-anchor": "middle", class: "explorer-star" }, layer);
      starMark.textContent = "★";
      Object.assign(surface, { layer, heat, view, sx, sy, problem: p,
        path: element("path", { fill: "none", stroke: "#ff4136", "stroke-width": 1.6, "stroke-linejoin": "round", class: "explorer-path" }, layer),
        here: element("circle", { r: 3.2, fill: "#ff4136", stroke: "white", "stroke-width": 1 }, layer) });
      surfaceSvg.appendChild(handle); // on top of everything drawn
      surfaceSvg.dataset.coordinates = state.standardize ? "standardized" : "data";
    }

    // Where a point (m, b) in the data's units is drawn on the surface.
    const onSurface = (m, b) => {
      const [w, c] = surface.problem.toDescended(m, b);
      return [surface.sx(w), surface.sy(c)];
    };

    // --- the distance to the optimum and the loss gap, on log–log axes ---
    const lossSvg = byId("explorer-loss");
    const lossPanel = { curve: null, gap: null, marker: null, dx: null };
    const dLo = -8, dHi = 2;
    const dy = linear(dLo, dHi, FRAME.bottom, FRAME.top);
    const tolLevel = Math.log10(data.defaults.tol);
    const minimum = (() => { const s = raw; return Math.max(s.cyy - (s.cxy * s.cxy) / s.cxx, 0) / s.count; })();

    function drawLossAxes() {
      while (lossSvg.firstChild) lossSvg.removeChild(lossSvg.firstChild);
      const top = Math.log10(Math.max(state.iterations, 10));
      const dx = linear(0, top, FRAME.left, FRAME.right);
      const xTicks = [];
      for (let e = 0; e <= Math.floor(top); e++) xTicks.push([dx(e), e === 0 ? "1" : formatNumber(10 ** e, 1)]);
      axes(lossSvg, FRAME, xTicks, logTicks(dLo, dHi).map((q) => [dy(q), power(q)]), "iteration k (log scale)", "relative size");
      const layer = frameOf(lossSvg, FRAME, "explorer-clip-loss");
      element("line", { x1: FRAME.left, x2: FRAME.right, y1: dy(tolLevel), y2: dy(tolLevel), stroke: "#333",
        "stroke-dasharray": "4 3" }, layer);
      element("text", { x: FRAME.right - 4, y: dy(tolLevel) - 4, "text-anchor": "end", class: "tick" }, layer).textContent =
        `tolerance ${formatNumber(data.defaults.tol, 1)}`;
      const key = element("g", { class: "explorer-key" }, layer);
      element("line", { x1: FRAME.left + 8, x2: FRAME.left + 24, y1: FRAME.bottom - 30, y2: FRAME.bottom - 30, stroke: "#2ca02c", "stroke-width": 2 }, key);
      element("text", { x: FRAME.left + 28, y: FRAME.bottom - 26, class: "tick" }, key).textContent = "‖θ − θ*‖ / ‖θ*‖";
      element("line", { x1: FRAME.left + 8, x2: FRAME.left + 24, y1: FRAME.bottom - 14, y2: FRAME.bottom - 14, stroke: "#9467bd", "stroke-width": 2 }, key);
      element("text", { x: FRAME.left + 28, y: FRAME.bottom - 10, class: "tick" }, key).textContent = "(E − E*) / E*";
      lossPanel.gap = element("polyline", { fill: "none", stroke: "#9467bd", "stroke-width": 1.6 }, layer);
      lossPanel.curve = element("polyline", { fill: "none", stroke: "#2ca02c", "stroke-width": 1.8 }, layer);
      lossPanel.marker = element("line", { y1: FRAME.top, y2: FRAME.bottom, stroke: "#999" }, layer);
      lossPanel.dx = (k) => dx(Math.log10(Math.max(k, 1)));
    }

    // --- computing and showing ---
    function recompute() {
      current = run(data, { growthLimit: data.defaults.growth_limit, method: state.method, rate: state.rate, momentum: state.momentum,
        standardize: state.standardize, m0: state.m0, b0: state.b0, iterations: state.iterations, tol: data.defaults.tol });
      current.distance = Array.from(current.m, (m, k) => relativeDistance(star, m, current.b[k]));
      current.firstWithin = current.distance.findIndex((d) => d <= data.defaults.tol);
      // The curves, thinned to about a thousand points, evenly in log k.
      const ks = [];
      for (let k = 1; k <= current.reached; k = Math.max(k + 1, Math.floor(k * 1.01))) ks.push(k);
      if (current.reached > 0 && ks[ks.length - 1] !== current.reached) ks.push(current.reached);
      // Zero or below (rounding, at the optimum) sits under the bottom of the frame.
      const place = (value) => dy(value > 0 ? Math.max(Math.min(Math.log10(value), dHi + 1), dLo - 1) : dLo - 1).toFixed(2);
      lossPanel.curve.setAttribute("points", ks.map((k) => `${lossPanel.dx(k).toFixed(2)},${place(current.distance[k])}`).join(" "));
      lossPanel.gap.setAttribute("points", ks.map((k) => `${lossPanel.dx(k).toFixed(2)},${place((current.loss[k] - minimum) / minimum)}`).join(" "));
      const stride = Math.max(1, Math.floor(current.reached / 4000));
      const pxs = [], pys = [];
      for (let k = 0; k <= current.reached; k += stride) { const [x, y] = onSurface(current.m[k], current.b[k]); pxs.push(x); pys.push(y); }
      const drawn = clippedPath(pxs, pys, SURFACE_FRAME);
      surface.path.setAttribute("d", drawn.d);
      current.drawn = { segments: drawn.segments, xs: pxs, ys: pys, stride };
      const [hx, hy] = onSurface(state.m0, state.b0);
      handle.setAttribute("cx", hx); handle.setAttribute("cy", hy);
      handle.setAttribute("aria-valuenow", String(state.m0));
      handle.setAttribute("aria-valuemin", String(data.view.m[0]));
      handle.setAttribute("aria-valuemax", String(data.view.m[1]));
      handle.setAttribute("aria-valuetext", `start at slope m = ${formatNumber(state.m0, 3)}, intercept b = ${formatNumber(state.b0, 3)}`);
    }

    function show() {
      const k = Math.min(state.shown, current.reached);
      const m = current.m[k], b = current.b[k];
      const line = clipSegment(px(xLo), py(m * xLo + b), px(xHi), py(m * xHi + b), FRAME);
      if (line) ["x1", "y1", "x2", "y2"].forEach((name, j) => fitted.setAttribute(name, line[j].toFixed(2)));
      fitted.style.display = line ? "" : "none";
      const [hx, hy] = onSurface(m, b);
      const inside = hx >= SURFACE_FRAME.left && hx <= SURFACE_FRAME.right && hy >= SURFACE_FRAME.top && hy <= SURFACE_FRAME.bottom;
      surface.here.style.display = inside ? "" : "none";
      if (inside) { surface.here.setAttribute("cx", hx.toFixed(2)); surface.here.setAttribute("cy", hy.toFixed(2)); }
      lossPanel.marker.setAttribute("x1", lossPanel.dx(k)); lossPanel.marker.setAttribute("x2", lossPanel.dx(k));
      const readout = byId("explorer-readout");
      Object.assign(readout.dataset, { k: String(k), m: String(m), b: String(b), loss: String(current.loss[k]),
        distance: String(current.distance[k]) });
      readout.innerHTML = [
        `iteration <b>${count(k)}</b>`,
        `m = ${formatNumber(m, 6)}`, `b = ${formatNumber(b, 6)}`, `E = ${formatNumber(current.loss[k], 6)}`,
        `‖θ − θ*‖/‖θ*‖ = ${formatNumber(current.distance[k], 3)}`,
      ].map((t) => `<span class="explorer-nowrap">${t}</span>`).join(" · ");
      byId("explorer-iteration-value").textContent = count(k);
      controls.iteration.setAttribute("aria-valuetext", `iteration ${count(k)} of ${count(state.iterations)}`);
      verdict();
    }

    const NAMES = { gd: "gradient descent", momentum: "momentum", nesterov: "Nesterov", steepest: "steepest descent",
      bb: "Barzilai–Borwein", adam: "Adam", cg: "conjugate gradients", newton: "Newton's method" };
    function verdict() {
      const box = byId("explorer-verdict");
      const tol = formatNumber(data.defaults.tol, 1);
      const span = (t) => `<span class="explorer-nowrap">${t}</span>`;
      const boundName = { gd: "2/λ<sub>max</sub>", momentum: "2(1 + μ)/λ<sub>max</sub>", nesterov: "2(1 + μ)/((1 + 2μ)λ<sub>max</sub>)" }[state.method];
      const boundText = current.bound === null ? "" : `${boundName} = ${formatNumber(current.bound, 4)}`;
      let kind, text;
      if (current.bound !== null && state.rate > current.bound) {
        kind = "diverges";
        const last = current.reached;
        text = `Diverges: η is above the bound ${span(boundText)}. ` +
          (current.stop === "grew"
            ? `The run stopped at iteration ${count(last)} of ${count(state.iterations)}, when the loss had grown ${span(formatNumber(current.loss[last] / current.loss[0], 2))}-fold` +
              (Number.isFinite(current.loss[last]) ? "" : " (past float64’s range)") + ". "
            : `The distance grows by ${span(`ρ = ${formatNumber(current.rho, 4)}`)} per step. `) +
          (current.linregStops !== null
            ? `linreg.minimize raises DivergenceError at iteration ${current.linregStops}, the first step at which the loss grows.`
            : "");
      } else if (current.firstWithin >= 0) {
        kind = "converges";
        text = `Converges: ${NAMES[state.method]} is certified within ${tol} of the optimum (‖θ − θ*‖/‖θ*‖ ≤ ${tol}) first at iteration ${count(current.firstWithin)}.`;
      } else if (current.stop === "grew") {
        kind = "diverges";
        text = `The loss grew ${span(formatNumber(current.loss[current.reached] / current.loss[0], 2))}-fold by iteration ${count(current.reached)}: ${NAMES[state.method]} has no stability bound, and this step is too large.`;
      } else if (current.needed && current.needed.kind === "never") {
        kind = "never";
        text = `Never converges: η is on the bound ${span(boundText)}, where the steepest direction's error ` +
          `no longer shrinks (its factor per step has size ${span(`ρ = ${formatNumber(current.rho, 9)}`)}). ` +
          `After ${count(state.iterations)} iterations the distance is ${span(formatNumber(current.distance[current.reached], 3))} of ‖θ*‖.`;
      } else {
        kind = "crawls";
        const still = `after ${count(state.iterations)} iterations the distance is still ${span(formatNumber(current.distance[current.reached], 3))} of ‖θ*‖`;
        if (current.needed) {
          const { count: needed, kind: how } = current.needed;
          text = `Crawls: η is below the bound ${span(boundText)}, but ${still}. ` +
            `It shrinks by about ${span(`ρ = ${formatNumber(current.rho, 9)}`)} per step; from this start it reaches ${tol} ` +
            (how === "exact" ? `after exactly ${span(count(needed))} iterations.`
              : `after about ${span(formatNumber(needed, 3))} iterations (an estimate from the slowest direction: too many to count exactly).`);
        } else {
          text = `Not there yet: ${still}. ${NAMES[state.method]} has no iteration-count theory; give it more iterations.`;
        }
      }
      box.dataset.verdict = kind;
      if (box.innerHTML !== text) { box.innerHTML = text; announce(box.textContent); }
    }

    // The live region: the verdict, once the controls have been still for a moment.
    let announceTimer = null;
    function announce(text) {
      clearTimeout(announceTimer);
      announceTimer = setTimeout(() => {
        const live = byId("explorer-announce");
        if (live.textContent !== text) { live.textContent = text; live.dataset.updates = String(Number(live.dataset.updates || 0) + 1); }
      }, ANNOUNCE_DELAY);
    }

    function syncControls() {
      const uses = USES[state.method];
      controls.method.value = state.method;
      controls.rate.disabled = controls.rateNumber.disabled = !uses.includes("rate");
      controls.momentum.disabled = !uses.includes("momentum");
      controls.defaults.disabled = defaultsOf(state.method, problem(raw, state.standardize).lambdas) === null;
      controls.rate.value = sliderFromRate(state.rate);
      controls.rate.setAttribute("aria-valuetext", `learning rate ${formatNumber(state.rate, 4)}`);
      controls.rateNumber.value = String(state.rate);
      byId("explorer-rate-value").textContent = uses.includes("rate") ? formatNumber(state.rate, 4) : "(not used)";
      controls.momentum.value = String(state.momentum);
      controls.momentum.setAttribute("aria-valuetext", `momentum ${state.momentum.toFixed(2)}`);
      byId("explorer-momentum-value").textContent = uses.includes("momentum") ? state.momentum.toFixed(2) : "(not used)";
      byId("explorer-momentum-name").textContent = state.method === "adam" ? "β₁" : "μ";
      controls.standardize.checked = state.standardize;
      controls.budget.value = String(state.iterations);
      controls.iteration.max = String(state.iterations);
      controls.iteration.value = String(Math.min(state.shown, state.iterations));
      // The bound's place on the rate slider.
      const lambdaMax = problem(raw, state.standardize).lambdas[1];
      const bound = boundOf(state.method, state.momentum, lambdaMax);
      const mark = byId("explorer-bound");
      mark.hidden = bound === null;
      if (bound !== null) mark.style.left = `${(100 * Math.min(Math.max(sliderFromRate(bound) / RATE_STEPS, 0), 1)).toFixed(2)}%`;
    }

    function update(changes, redraw) {
      const before = state.standardize;
      Object.assign(state, changes);
      if (redraw || before !== state.standardize) { drawLossAxes(); drawSurface(); }
      syncControls();
      recompute();
      show();
    }

    // --- controls ---
    controls.method.addEventListener("change", () => update({ method: controls.method.value }));
    controls.defaults.addEventListener("click", () => {
      const chosen = defaultsOf(state.method, problem(raw, state.standardize).lambdas);
      if (chosen) update({ rate: chosen.rate, momentum: chosen.momentum });
    });
    controls.rate.addEventListener("input", () => update({ rate: rateFromSlider(Number(controls.rate.value)) }));
    controls.rateNumber.addEventListener("change", () => {
      const value = Number(controls.rateNumber.value);
      if (Number.isFinite(value) && value > 0) update({ rate: value });
      else syncControls();
    });
    controls.momentum.addEventListener("input", () => update({ momentum: Number(controls.momentum.value) }));
    let remembered = null;
    controls.standardize.addEventListener("change", () => {
      // Keep the rate's place relative to the bound; back again, the rate it had.
      const to = controls.standardize.checked;
      const back = remembered && remembered.standardize === to && remembered.moved === state.rate;
      const rate = back ? remembered.rate : moveRate(state.rate, state.standardize, to);
      remembered = { standardize: state.standardize, rate: state.rate, moved: rate };
      update({ standardize: to, rate });
    });
    controls.budget.addEventListener("change", () => {
      const iterations = Number(controls.budget.value);
      update({ iterations, shown: iterations }, true);
    });
    controls.iteration.addEventListener("input", () => { stopPlaying(); state.shown = Number(controls.iteration.value); show(); });
    controls.reset.addEventListener("click", () => {
      stopPlaying();
      remembered = null;
      update({ method: "gd", rate: data.defaults.learning_rate, momentum: data.defaults.momentum, standardize: false,
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
      const [m, b] = surface.problem.toData(surface.sx.invert(x), surface.sy.invert(y));
      return { m0: Number(m.toPrecision(4)), b0: Number(b.toPrecision(4)) };
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
      const view = surface.view;
      const dw = ((view.x[1] - view.x[0]) / 35) * fine, db = ((view.y[1] - view.y[0]) / 30) * fine;
      const moves = { ArrowLeft: [-dw, 0], ArrowRight: [dw, 0], ArrowUp: [0, db], ArrowDown: [0, -db] };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      const clampTo = (v, r) => Math.min(Math.max(v, r[0]), r[1]);
      const [w, c] = surface.problem.toDescended(state.m0, state.b0);
      const [m, b] = surface.problem.toData(clampTo(w + move[0], view.x), clampTo(c + move[1], view.y));
      update({ m0: Number(m.toPrecision(4)), b0: Number(b.toPrecision(4)), shown: state.iterations });
    });

    drawLossAxes();
    drawSurface();
    update({});
    // For the browser tests (and the curious, from the console).
    window.linregExplorer = {
      run: (settings) => {
        const r = run(data, { tol: data.defaults.tol, growthLimit: data.defaults.growth_limit, ...settings });
        return { m: Array.from(r.m), b: Array.from(r.b), loss: Array.from(r.loss), reached: r.reached,
          stop: r.stop, linregStops: r.linregStops, bound: r.bound, lambdas: r.lambdas, rho: r.rho,
          needed: r.needed && Number.isFinite(r.needed.count) ? r.needed.count : null,
          neededKind: r.needed ? r.needed.kind : null };
      },
      defaults: (method, standardize) => defaultsOf(method, problem(raw, standardize).lambdas),
      optimum: () => ({ ...star }),
      state: () => ({ ...state }),
      verdict: () => byId("explorer-verdict").dataset.verdict,
      drawn: () => ({ ...current.drawn, frame: SURFACE_FRAME }),
      clipSegment,
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
