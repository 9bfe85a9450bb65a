/* Linli's own few lines of JavaScript, served from /static so the pages can forbid inline
   scripts (Content-Security-Policy: script-src 'self'). Everything works without it. */
(function () {
  /* Print buttons: <button data-print>. */
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-print]");
    if (b) { e.preventDefault(); window.print(); }
  });
  /* Counts the current speaker's time down each second between htmx refreshes. */
  setInterval(function () {
    var el = document.querySelector("[data-speech-end]");
    if (!el) return;
    if (!el.dataset.loaded) el.dataset.loaded = String(Date.now());
    var now = Number(el.dataset.now) + (Date.now() - Number(el.dataset.loaded));
    var left = Math.round((Number(el.dataset.speechEnd) - now) / 1000);
    el.textContent = left >= 0 ? el.dataset.left + " " + left + " " + el.dataset.unit : el.dataset.overrun + " " + (-left) + " " + el.dataset.unit;
    el.className = left >= 0 ? "" : "error";
  }, 1000);
})();
