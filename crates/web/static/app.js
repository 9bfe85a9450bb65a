/* Linli's own few lines of JavaScript, served from /static so the pages can forbid inline
   scripts (Content-Security-Policy: script-src 'self'). Everything works without it. */
(function () {
  /* Print buttons: <button data-print>. */
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-print]");
    if (b) { e.preventDefault(); window.print(); }
  });
  /* A refused form keeps what was typed: when a boosted form's answer is the refusal page
     (4xx/5xx, marked data-refusal), its message is shown above the form's fields instead of
     replacing the page. Pages that re-render their own form with the message (login,
     registration) are swapped as usual. Without JavaScript the refusal page shows the
     message and the browser's Back button returns to the filled form. */
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (!d.xhr || d.xhr.status < 400) return;
    var elt = d.requestConfig && d.requestConfig.elt;
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form"));
    if (!form) return;
    var doc = new DOMParser().parseFromString(d.xhr.responseText, "text/html");
    var refusal = doc.querySelector("[data-refusal]");
    if (!refusal) return;
    d.shouldSwap = false;
    var box = form.querySelector(":scope > .form-refusal");
    if (!box) {
      box = document.createElement("div");
      box.className = "form-refusal";
      box.tabIndex = -1;
      form.insertBefore(box, form.firstChild);
    }
    box.replaceChildren();
    refusal.querySelectorAll("[data-refusal-part]").forEach(function (p) {
      box.appendChild(document.importNode(p, true));
    });
    box.scrollIntoView({ block: "center" });
    box.focus({ preventScroll: true });
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
