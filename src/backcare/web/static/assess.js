// The assessment's pages and the browser's Back button.
//
// Each page posts its answers and the server redirects to the next page (POST-redirect-GET),
// so the browser's history keeps each page as it was first shown: before its answers. Back
// would show it empty (the age typed, the "None of these" gone). The next page's own Back
// link is that page with its answers, signed by the server; this script remembers it for the
// earlier history entry (in this tab only, by an id kept in the entry's state) and, when Back
// or Forward lands on that entry, shows the page with its answers instead.
(function () {
  "use strict";
  var PENDING = "backcare-assess-pending";
  var PREFIX = "backcare-assess-back:";
  var store;
  try {
    store = window.sessionStorage;
  } catch (error) {
    return; // storage switched off: Back shows the page as first shown
  }

  var state = history.state;
  var id = state && state.backcareEntry;
  if (id) {
    var answered = store.getItem(PREFIX + id);
    if (answered) {
      location.replace(answered);
      return;
    }
  } else {
    id = String(Date.now()) + "-" + String(Math.random()).slice(2);
    history.replaceState({ backcareEntry: id }, "");
  }

  // Arrived from a page just sent: that page's entry now means this page's Back link.
  var pending = null;
  try {
    pending = JSON.parse(store.getItem(PENDING) || "null");
  } catch (error) {
    pending = null;
  }
  var back = document.querySelector(".step-top a.back");
  if (pending && back) {
    var link = new URL(back.href, location.href);
    if (link.searchParams.get("page") === pending.page) {
      store.setItem(PREFIX + pending.from, link.pathname + link.search);
      store.removeItem(PENDING);
    }
  }

  var form = document.querySelector("form.questions");
  if (form) {
    form.addEventListener("submit", function () {
      var page = form.querySelector('input[name="page"]');
      store.setItem(PENDING, JSON.stringify({ from: id, page: page ? page.value : "" }));
    });
  }
}());
