// Progressive enhancement only: every page works without this file. It folds the filters
// on phones, and adds a print button to intervention cards and a copy button to
// citations, both hidden until here.
(function () {
  "use strict";

  // On a narrow screen the filters start folded above the results (without JavaScript
  // they stay open and come after the results).
  document.documentElement.classList.add("js");
  if (window.matchMedia && window.matchMedia("(max-width: 52rem)").matches) {
    document.querySelectorAll("details.filters-toggle").forEach(function (d) {
      d.open = false;
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.status);
    if (!source || !status || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        status.textContent = "Reference copied.";
      }, function () {
        source.focus();
        source.select();
        status.textContent = "The reference is selected: press Ctrl+C, or Cmd+C on a Mac, to copy it.";
      });
    });
  });
})();
