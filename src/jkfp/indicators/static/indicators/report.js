// The monthly report's print button (no inline script: the CSP forbids it).
(function () {
  var print = document.getElementById("ind-print");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
