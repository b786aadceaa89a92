// Close-out photos: a lightbox over the gallery's links (keyboard, swipe, zoom to the original, download),
// and thumbnails asked for again while they are still being made. Without this file every link opens the
// photo's own page, as before.
(function () {
  "use strict";
  if (window.closeoutViewer) return; // linked from more than one template of a page
  window.closeoutViewer = true;

  var dialog, stage, image, caption, meta, counter, zoomButton, download, original;
  var links = [], index = 0, zoomed = false, opener = null, touchX = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function build() {
    dialog = el("dialog", { "class": "lightbox", "aria-label": "Photo viewer" });
    var bar = el("div", { "class": "lightbox-bar" });
    counter = el("span", { "class": "lightbox-counter", "aria-live": "polite" });
    zoomButton = el("button", { type: "button", "class": "lightbox-zoom", "aria-pressed": "false",
      title: "Zoom to the original (Z)" }, "Original size");
    download = el("a", { "class": "button lightbox-download", download: "" }, "Download");
    original = el("a", { "class": "lightbox-open", target: "_blank", rel: "noopener" }, "Open original");
    var close = el("button", { type: "button", "class": "lightbox-close", title: "Close (Esc)", "aria-label": "Close" }, "✕");
    bar.append(counter, zoomButton, download, original, close);
    stage = el("div", { "class": "lightbox-stage" });
    image = el("img", { "class": "lightbox-image", alt: "" });
    stage.append(image);
    var previous = el("button", { type: "button", "class": "lightbox-nav lightbox-prev", "aria-label": "Previous photo",
      title: "Previous (←)" }, "‹");
    var next = el("button", { type: "button", "class": "lightbox-nav lightbox-next", "aria-label": "Next photo",
      title: "Next (→)" }, "›");
    var figure = el("figure", { "class": "lightbox-figure" });
    caption = el("figcaption", { "class": "lightbox-caption" });
    meta = el("span", { "class": "lightbox-meta" });
    figure.append(stage, caption);
    dialog.append(bar, previous, figure, next);
    document.body.append(dialog);

    previous.addEventListener("click", function () { show(index - 1); });
    next.addEventListener("click", function () { show(index + 1); });
    close.addEventListener("click", function () { dialog.close(); });
    zoomButton.addEventListener("click", toggleZoom);
    image.addEventListener("click", toggleZoom);
    dialog.addEventListener("keydown", keys);
    dialog.addEventListener("close", function () {
      image.removeAttribute("src");
      if (opener) opener.focus();
    });
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    stage.addEventListener("touchstart", function (event) { touchX = event.touches[0].clientX; }, { passive: true });
    stage.addEventListener("touchend", function (event) {
      if (touchX === null || zoomed) return;
      var dx = event.changedTouches[0].clientX - touchX;
      touchX = null;
      if (Math.abs(dx) > 50) show(index + (dx < 0 ? 1 : -1));
    });
  }

  function setZoom(on) {
    zoomed = on;
    var link = links[index];
    image.src = on ? link.getAttribute("data-original") : link.getAttribute("data-large");
    dialog.classList.toggle("zoomed", on);
    zoomButton.setAttribute("aria-pressed", on ? "true" : "false");
    zoomButton.textContent = on ? "Fit to screen" : "Original size";
  }

  function toggleZoom() { setZoom(!zoomed); }

  function show(at) {
    index = (at + links.length) % links.length;
    var link = links[index];
    setZoom(false);
    image.alt = link.getAttribute("data-caption") || "";
    caption.textContent = link.getAttribute("data-caption") || "";
    meta.textContent = link.getAttribute("data-meta") || "";
    caption.append(" ", meta);
    counter.textContent = "Photo " + (index + 1) + " of " + links.length;
    download.href = link.getAttribute("data-download");
    original.href = link.getAttribute("data-original");
    [index + 1, index - 1].forEach(function (near) { // the neighbours load while this one is looked at
      var other = links[(near + links.length) % links.length];
      if (other !== link) (new Image()).src = other.getAttribute("data-large");
    });
  }

  function keys(event) {
    var key = event.key;
    if (key === "ArrowRight" || key === "PageDown") { show(index + 1); }
    else if (key === "ArrowLeft" || key === "PageUp") { show(index - 1); }
    else if (key === "Home") { show(0); }
    else if (key === "End") { show(links.length - 1); }
    else if (key === "z" || key === "Z" || key === "+" || (key === "-" && zoomed)) { toggleZoom(); }
    else return;
    event.preventDefault();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-lightbox] a.gallery-link");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (typeof HTMLDialogElement === "undefined") return; // the photo's page opens instead
    event.preventDefault();
    if (!dialog) build();
    links = Array.prototype.slice.call(link.closest("[data-lightbox]").querySelectorAll("a.gallery-link"));
    opener = link;
    show(links.indexOf(link));
    dialog.showModal();
  });

  // A thumbnail TechLink was too busy to give (503) is being made in the background: ask again a few times.
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (!img || img.tagName !== "IMG" || !img.closest || !img.closest("[data-lightbox]")) return;
    var tries = parseInt(img.getAttribute("data-tries") || "0", 10);
    if (tries >= 5) return;
    img.setAttribute("data-tries", String(tries + 1));
    var base = img.getAttribute("src").split("?")[0];
    setTimeout(function () { img.src = base + "?try=" + (tries + 1); }, 1500 * (tries + 1));
  }, true);
})();
