// Staff pages: small htmx helpers; every page works without this file.
(function () {
  "use strict";
  // A form posted with bad input comes back as 400 with the form and its errors: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Forms marked data-reset-on-success are cleared once their write has been queued.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM" || !form.hasAttribute("data-reset-on-success")) return;
    if (event.detail.successful && event.detail.xhr.status < 300) {
      form.reset();
      var bar = form.querySelector("progress");
      if (bar) { bar.hidden = true; bar.value = 0; }
    }
  });

  // Lists that a write changes are fetched again once TechLink has the write.
  //
  // "techlink:write-done" (detail: {id: <write id>, kind: <write kind>}) comes either as an HX-Trigger
  // response header or from here, when a write's live status (.write-status) shows up as done. Each write
  // counts once. Every element whose data-refresh-on lists the kind then gets "techlink:refresh", which its
  // hx-trigger turns into a fetch of its own section of the page.
  var WRITE_DONE = "techlink:write-done";
  var handled = {};

  function writeId(status) {
    var match = /^write-(\d+)$/.exec(status.id || "");
    return match ? match[1] : null;
  }
  function doneStatuses(root) {
    if (!root || !root.querySelectorAll) return [];
    var found = Array.prototype.slice.call(root.querySelectorAll('.write-status[data-status="done"]'));
    if (root.matches && root.matches('.write-status[data-status="done"]')) found.push(root);
    return found;
  }
  // Writes already done when the page was rendered are already in its lists.
  doneStatuses(document).forEach(function (status) {
    var id = writeId(status);
    if (id) handled[id] = true;
  });

  document.addEventListener(WRITE_DONE, function (event) {
    var detail = event.detail || {};
    var id = detail.id !== undefined && detail.id !== null ? String(detail.id) : null;
    if (id) {
      if (handled[id]) return;
      handled[id] = true;
    }
    var kind = detail.kind || "";
    var sections = document.querySelectorAll("[data-refresh-on]");
    for (var i = 0; i < sections.length; i++) {
      var kinds = sections[i].getAttribute("data-refresh-on").split(/\s+/);
      if (!kind || kinds.indexOf(kind) !== -1) {
        window.htmx.trigger(sections[i], "techlink:refresh");
      }
    }
  });

  // New content (a status that polled itself to done, or a write that was done at once): announce it.
  document.addEventListener("htmx:load", function (event) {
    doneStatuses(event.target).forEach(function (status) {
      var id = writeId(status);
      if (!id || handled[id]) return;
      var owner = status.closest("[data-write-kind]");
      status.dispatchEvent(new CustomEvent(WRITE_DONE, {
        bubbles: true,
        detail: { id: id, kind: owner ? owner.getAttribute("data-write-kind") : "" },
      }));
    });
  });

  // The in-page section bar (.section-bar): the link of the section at the top of the screen is marked
  // current as the page scrolls. Without this the links still work as plain anchors.
  (function () {
    var bar = document.querySelector(".section-bar");
    if (!bar || !window.IntersectionObserver) return;
    var links = Array.prototype.slice.call(bar.querySelectorAll('a[href^="#"]'));
    var targets = links.map(function (link) { return document.getElementById(link.getAttribute("href").slice(1)); });
    var visible = {};
    function mark() {
      var current = null;
      for (var i = 0; i < targets.length; i++) {
        if (targets[i] && visible[targets[i].id]) { current = links[i]; break; }
      }
      links.forEach(function (link) {
        if (link === current) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { visible[entry.target.id] = entry.isIntersecting; });
      mark();
    }, { rootMargin: "-48px 0px -55% 0px" });
    targets.forEach(function (target) { if (target) observer.observe(target); });
  })();

  // Refuse a file over the size limit before uploading it (the server checks again).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelectorAll) return;
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
      input.setCustomValidity("");
      for (var j = 0; j < input.files.length; j++) {
        if (input.files[j].size > limit) {
          input.setCustomValidity(input.files[j].name + " is too large; files can be at most " +
            input.getAttribute("data-max-label") + ".");
          input.reportValidity();
          event.preventDefault();
          event.stopPropagation();
          return;
        }
      }
    }
  }, true);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-max-bytes]")) {
      event.target.setCustomValidity("");
    }
  });
})();
