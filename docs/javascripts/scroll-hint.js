// Wide tables scroll inside their own box (Material wraps each in .md-typeset__scrollwrap),
// and so do wide display formulas (div.arithmatex, or KaTeX's .katex-display inside it,
// whichever the browser made the narrower). Where one is wider than the screen, say so
// above it, and fade the edge that hides the rest, so a reader on a phone knows there is
// more to the right.
(function () {
  "use strict";
  const BOXES = ".md-typeset__scrollwrap, .md-typeset div.arithmatex";
  const wider = (e) => !!e && e.scrollWidth > e.clientWidth + 1;
  // The element that scrolls: the box itself, or the formula's own box inside it.
  const scroller = (box) => (wider(box) || !box.classList.contains("arithmatex")
    ? box : box.querySelector(".katex-display") || box);
  function mark(box) {
    const hint = box.previousElementSibling && box.previousElementSibling.classList.contains("linreg-scroll-hint")
      ? box.previousElementSibling : null;
    const wrap = scroller(box);
    const scrolls = wider(wrap);
    wrap.classList.toggle("linreg-scrolls", scrolls);
    wrap.classList.toggle("linreg-scrolled-to-end", wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1);
    if (scrolls && !hint) {
      const table = box.querySelector("table");
      const columns = table && table.rows.length ? table.rows[0].cells.length : 0;
      const note = document.createElement("p");
      note.className = "linreg-scroll-hint";
      note.textContent = columns ? `⇠ scroll sideways: ${columns} columns ⇢`
        : table ? "⇠ scroll sideways ⇢" : "⇠ scroll sideways: the formula goes on ⇢";
      box.parentNode.insertBefore(note, box);
    } else if (hint) {
      hint.hidden = !scrolls;
    }
    return wrap;
  }
  function start() {
    // After Material has wrapped the tables (it does so on the same page event).
    setTimeout(() => {
      document.querySelectorAll(BOXES).forEach((box) => {
        const wrap = mark(box);
        if (!wrap.dataset.linregHint) {
          wrap.dataset.linregHint = "1";
          wrap.addEventListener("scroll", () => mark(box), { passive: true });
        }
      });
      document.documentElement.dataset.scrollHints = "ready";
    }, 0);
  }
  window.addEventListener("resize", () => document.querySelectorAll(BOXES).forEach(mark));
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
