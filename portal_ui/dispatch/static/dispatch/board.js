// The schedule board: arrow keys move between weeks or days (T: today); a waiting card dragged onto a day
// fills its "Ask for a date" form with that day and sends it (a past day asks first). Without JavaScript
// the links and each card's form do the same.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var selector = { ArrowLeft: "[data-board-prev]", ArrowRight: "[data-board-next]", t: "[data-board-today]", T: "[data-board-today]" }[event.key];
    if (!selector) return;
    var link = document.querySelector(selector);
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.href);
  });

  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("[data-ask-card]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-ask-card"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    var over = document.querySelectorAll(".drop-over");
    for (var i = 0; i < over.length; i++) over[i].classList.remove("drop-over");
  });

  function dayCell(target) {
    return target && target.closest ? target.closest("#board [data-day]") : null;
  }

  document.addEventListener("dragover", function (event) {
    var cell = dayCell(event.target);
    if (!cell || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-over");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = dayCell(event.target);
    if (cell) cell.classList.remove("drop-over");
  });

  document.addEventListener("drop", function (event) {
    var cell = dayCell(event.target);
    if (!cell) return;
    event.preventDefault();
    cell.classList.remove("drop-over");
    var id = event.dataTransfer.getData("text/plain") || (dragged && dragged.getAttribute("data-ask-card"));
    askFor(id, cell.getAttribute("data-day"));
  });

  function askFor(id, day) {
    var card = document.getElementById("card-" + id);
    var status = document.getElementById("ask-status-" + id);
    if (!card || !status || !day || !window.htmx) return;
    var board = document.getElementById("board");
    var today = board ? board.getAttribute("data-today") : "";
    var values = { day: day };
    if (today && day < today) {
      if (!window.confirm(day + " is in the past. Ask TechLink for this day anyway?")) return;
      values.confirm_past = "on";
    }
    card.classList.add("asked");
    // The body's hx-headers (the CSRF token) apply: the card is the request's source.
    window.htmx.ajax("POST", card.getAttribute("data-ask-url"), {
      source: card,
      target: status,
      swap: "innerHTML",
      values: values,
    });
  }

  // Keep the board's live refresh from replacing a card whose form is being filled in.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || elt.id !== "board") return;
    var active = document.activeElement;
    if (active && elt.contains(active) && typing(active)) event.preventDefault();
  });

  window.techlinkBoard = { askFor: askFor };
})();
