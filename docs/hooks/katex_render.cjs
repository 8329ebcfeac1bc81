// Render TeX to HTML with KaTeX at build time (called by docs/hooks/katex.py).
// stdin: JSON [{"tex": "...", "display": true|false, "mathml": true|false}, ...];
// stdout: JSON [html, ...] (with "mathml": MathML only, for the search index's plain text).
// A formula KaTeX cannot parse is an error: its message and the formula go to stderr
// and the exit code is 1, so the docs build fails instead of shipping a red formula.
"use strict";
const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const out = [];
  for (const item of items) {
    try {
      out.push(katex.renderToString(item.tex, {
        displayMode: item.display,
        throwOnError: true,
        strict: "error",
        output: item.mathml ? "mathml" : "htmlAndMathml",
      }));
    } catch (error) {
      process.stderr.write(`KaTeX cannot render ${JSON.stringify(item.tex)}: ${error.message}\n`);
      process.exit(1);
    }
  }
  process.stdout.write(JSON.stringify(out));
});
