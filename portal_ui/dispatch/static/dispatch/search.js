// "/" focuses the top bar's search box (unless typing in a field already). Without JavaScript the box is a
// plain form.
(function () {
  "use strict";
  if (window.__searchShortcut) return;
  window.__searchShortcut = true;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var box = document.querySelector("[data-search-shortcut]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
