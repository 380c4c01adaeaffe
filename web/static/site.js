// Progressive enhancement only: every page works without this file. It folds the filters
// on phones, adds a print button to intervention cards and the evidence pack and a copy
// button to citations, all hidden until here, and makes shortlisting take effect at once.
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
  // The shortlist (planning pages): the finder's "Shortlist" boxes take effect at once,
  // without the "Update shortlist" button. The page for the new shortlist is fetched and
  // its panel and links replace this page's, so what the server says stays the one
  // source; the address changes to match, so Back, a bookmark or a shared link keep it.
  // The main navigation's link to the finder keeps the shortlist too.
  var live = document.getElementById("shortlist-live");
  function keepInNav() {
    var panel = document.getElementById("shortlist");
    var ids = panel ? panel.getAttribute("data-shortlist") : "";
    document.querySelectorAll('.site-nav a[href^="/"]').forEach(function (a) {
      var u = new URL(a.href, location.href);
      if (u.pathname !== "/") {
        return;
      }
      if (ids) {
        u.searchParams.set("shortlist", ids);
      } else {
        u.searchParams.delete("shortlist");
      }
      a.href = u.pathname + u.search.replace(/%2C/g, ",");
    });
  }
  keepInNav();
  function otherLinks(doc) {
    return Array.prototype.filter.call(doc.querySelectorAll("main a[href]"), function (a) {
      return !a.closest("#shortlist");
    });
  }
  // Sending the finder's form (a filter, a search) keeps the shortlist in its order: the
  // boxes and hidden fields, which a form sends in page order, give way to one field.
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("input[data-pick]")) {
      return;
    }
    form.addEventListener("submit", function () {
      var panel = document.getElementById("shortlist");
      if (!panel) {
        return;
      }
      form.querySelectorAll('input[name="shortlist"]').forEach(function (input) { input.disabled = true; });
      var ids = panel.getAttribute("data-shortlist");
      if (ids) {
        var field = document.createElement("input");
        field.type = "hidden";
        field.name = "shortlist";
        field.value = ids;
        form.appendChild(field);
      }
    });
  });
  document.querySelectorAll("input[data-pick]").forEach(function (box) {
    box.addEventListener("change", function () {
      var panel = document.getElementById("shortlist");
      var ids = panel && panel.getAttribute("data-shortlist") ? panel.getAttribute("data-shortlist").split(",") : [];
      ids = ids.filter(function (id) { return id !== box.value; });
      if (box.checked) {
        ids.push(box.value);
      }
      var u = new URL(location.href);
      u.searchParams.delete("shortlist");
      if (ids.length) {
        u.searchParams.set("shortlist", ids.join(","));
      }
      var target = u.pathname + u.search.replace(/%2C/g, ",");
      fetch(target, { headers: { Accept: "text/html" }, credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : Promise.reject(r.status);
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("shortlist");
        var mine = otherLinks(document), theirs = otherLinks(doc);
        if (!fresh || !panel || mine.length !== theirs.length) {
          location.assign(target);
          return;
        }
        panel.replaceWith(document.importNode(fresh, true));
        mine.forEach(function (a, i) { a.setAttribute("href", theirs[i].getAttribute("href")); });
        history.replaceState(null, "", target);
        keepInNav();
        if (live) {
          live.textContent = box.dataset.name + (box.checked ? " added to" : " removed from") + " your shortlist (" + ids.length + ").";
        }
      }).catch(function () {
        location.assign(target);
      });
    });
  });
})();
