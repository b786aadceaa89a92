// Small progressive enhancements; every page works without this file.
// Loaded in <head> (not deferred): it marks the page as scripted before it is drawn, and otherwise only
// listens on document.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // The header's menu on narrow screens: a button folds the navigation away (without JavaScript it is
  // simply shown). Escape closes it and gives focus back to the button.
  ready(function () {
    var bar = document.getElementById("topbar");
    var toggle = bar && bar.querySelector(".menu-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    function setOpen(open) {
      bar.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    bar.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bar.classList.contains("open")) {
        setOpen(false);
        toggle.focus();
      }
    });
  });

  // A list's filters (<details open data-fold-narrow>) start folded on a phone, unless a filter is set.
  ready(function () {
    if (!window.matchMedia || !window.matchMedia("(max-width: 48rem)").matches) return;
    var boxes = document.querySelectorAll("details[data-fold-narrow]");
    for (var i = 0; i < boxes.length; i++) {
      var fields = boxes[i].querySelectorAll("input:not([type=hidden]), select");
      var filled = Array.prototype.some.call(fields, function (field) {
        return field.tagName === "SELECT" ? field.selectedIndex > 0 : field.value !== "";
      });
      if (!filled) boxes[i].open = false;
    }
  });

  // Copy buttons: <button data-copy="#element-id" hidden> beside a read-only field. Without JavaScript the
  // button stays hidden and the field is there to select and copy by hand.
  ready(function () {
    var buttons = document.querySelectorAll("[data-copy]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  });
  function announce(button, text) {
    var note = button.nextElementSibling;
    if (!note || !note.classList.contains("copy-note")) {
      note = document.createElement("span");
      note.className = "copy-note";
      note.setAttribute("role", "status");
      button.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = (source.value !== undefined ? source.value : source.textContent).trim();
    if (source.select) source.select();
    function copiedByHand() {
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      announce(button, done ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { announce(button, "Copied."); }, copiedByHand);
    } else {
      copiedByHand();
    }
  });
  // A read-only field to copy from is selected whole when it gets focus.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("input[readonly], textarea[readonly]") && field.select) field.select();
  });

  // Upload progress: <form data-upload-progress> with a <progress> and a .progress-text inside. The submit
  // button is disabled while the file goes up (hx-disabled-elt).
  function progressParts(form) {
    return { bar: form.querySelector("progress"), text: form.querySelector(".progress-text") };
  }
  function showProgress(form, percent) {
    var parts = progressParts(form);
    if (parts.bar) {
      parts.bar.hidden = false;
      parts.bar.value = percent;
    }
    if (parts.text) {
      parts.text.hidden = false;
      parts.text.textContent = percent < 100 ? "Uploading: " + percent + " %" : "Uploaded; handing it to the outbox…";
    }
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload-progress]");
    if (form && form.querySelector("input[type=file]") && form.querySelector("input[type=file]").files.length) {
      showProgress(form, 0);
    }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form[data-upload-progress]");
    if (!form || !event.detail.lengthComputable || !event.detail.total) return;
    showProgress(form, Math.round((event.detail.loaded / event.detail.total) * 100));
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload-progress]");
    if (!form) return;
    var parts = progressParts(form);
    if (parts.bar) { parts.bar.hidden = true; parts.bar.value = 0; }
    if (parts.text) {
      parts.text.textContent = event.detail.successful ? "" : "The upload did not finish; try again.";
      parts.text.hidden = event.detail.successful;
    }
  });
})();
