// A page shown in answer to a form post (a saved check-in, a form with problems) moves its
// own history entry to a plain address given by the server (data-url), so that reload, Back
// and Forward fetch that address instead of the browser asking to send the form again.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-url");
  if (url && window.history && history.replaceState) {
    history.replaceState(null, "", url);
  }
}());
