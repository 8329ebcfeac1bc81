// Wide tables scroll inside their own box (Material wraps each in .md-typeset__scrollwrap),
// and so do wide display formulas (div.arithmatex). Where one is wider than the screen, say so
// above it, and fade the edge that hides the rest, so a reader on a phone knows there is
// more to the right.
(function () {
  "use strict";
  // A display formula scrolls in its div.arithmatex (KaTeX's own box is as wide as the
  // formula).
  const SCROLLERS = ".md-typeset__scrollwrap, .md-typeset div.arithmatex";
  function mark(wrap) {
    const hint = wrap.previousElementSibling && wrap.previousElementSibling.classList.contains("linreg-scroll-hint")
      ? wrap.previousElementSibling : null;
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("linreg-scrolls", scrolls);
    wrap.classList.toggle("linreg-scrolled-to-end", wrap.scrollLeft + wrap.clientWidth >= wrap.scrollWidth - 1);
    if (scrolls && !hint) {
      const table = wrap.querySelector("table");
      const columns = table && table.rows.length ? table.rows[0].cells.length : 0;
      const note = document.createElement("p");
      note.className = "linreg-scroll-hint";
      note.textContent = columns ? `⇠ scroll sideways: ${columns} columns ⇢`
        : table ? "⇠ scroll sideways ⇢" : "⇠ scroll sideways: the formula goes on ⇢";
      wrap.parentNode.insertBefore(note, wrap);
    } else if (hint) {
      hint.hidden = !scrolls;
    }
  }
  function start() {
    // After Material has wrapped the tables (it does so on the same page event).
    setTimeout(() => {
      const wraps = [...document.querySelectorAll(SCROLLERS)];
      wraps.forEach((wrap) => {
        mark(wrap);
        if (!wrap.dataset.linregHint) {
          wrap.dataset.linregHint = "1";
          wrap.addEventListener("scroll", () => mark(wrap), { passive: true });
        }
      });
      document.documentElement.dataset.scrollHints = "ready";
    }, 0);
  }
  window.addEventListener("resize", () => document.querySelectorAll(SCROLLERS).forEach(mark));
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(start);
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
