// jkfp pages: small progressive enhancements (everything works without this file).
(function () {
  "use strict";

  // Move keyboard and screen-reader focus to an error summary when a form comes back with errors.
  function focusErrors(root) {
    var box = (root || document).querySelector(".error-summary");
    if (box) { box.focus({ preventScroll: false }); }
  }

  // Register household: add one more member row from the formset's empty form.
  function setupMembers() {
    var btn = document.querySelector("[data-add-member]");
    var tpl = document.getElementById("member-template");
    var total = document.getElementById("id_members-TOTAL_FORMS");
    var box = document.getElementById("members");
    if (!btn || !tpl || !total || !box) return;
    btn.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      var html = tpl.innerHTML.replace(/__prefix__/g, String(n)).replace(/__num__/g, String(n + 1));
      box.insertAdjacentHTML("beforeend", html);
      total.value = String(n + 1);
      var first = box.lastElementChild.querySelector("input, select");
      if (first) first.focus();
    });
  }

  // Buttons that print the page (no inline handlers: the content-security policy forbids them).
  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }
  // Export: the button says 正在生成… (and refuses a second click) while the server prepares
  // the workbook; the response sets the cookie jkfp_export to the token the link sent.
  function exportDone(token) {
    return document.cookie.split("; ").indexOf("jkfp_export=" + token) >= 0;
  }
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a[data-export]") : null;
    if (!link) return;
    if (link.getAttribute("aria-busy") === "true") { ev.preventDefault(); return; }
    var token = String(Date.now()) + String(Math.floor(Math.random() * 1e6));
    var base = link.getAttribute("data-href") || link.getAttribute("href");
    link.setAttribute("data-href", base);
    link.setAttribute("href", base + (base.indexOf("?") >= 0 ? "&" : "?") + "dl=" + token);
    var label = link.textContent;
    link.textContent = link.getAttribute("data-busy-label") || "…";
    link.setAttribute("aria-busy", "true");
    link.classList.add("is-busy");
    var timer = window.setInterval(function () {
      if (!exportDone(token)) return;
      window.clearInterval(timer);
      document.cookie = "jkfp_export=; Max-Age=0; path=/";
      link.textContent = label;
      link.removeAttribute("aria-busy");
      link.classList.remove("is-busy");
    }, 400);
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupMembers();
    setupPrint();
    focusErrors(document);
  });
  document.addEventListener("htmx:afterSwap", function (ev) { focusErrors(ev.detail.target); });
})();
