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
