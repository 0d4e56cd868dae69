// Keyboard use of the staff pages (documented in the footer's "Keyboard shortcuts" panel):
//   n  open the next task: the link marked data-shortcut="next-task", else the first link of a task list
//      (data-task-list: the task of its first row, in the order the list shows)
//   d  move to the decision: the first field inside data-shortcut="decision" (a task page)
//   ?  open the shortcuts panel
// Single keys only act outside text fields and can be turned off in the panel (WCAG 2.1.4); the choice is kept
// in this browser. A task page puts the focus on its decision field when it opens, without scrolling.
(function () {
  "use strict";
  var STORE = "staff-shortcuts-off";

  function shortcutsOff() {
    try { return window.localStorage.getItem(STORE) === "1"; } catch (e) { return false; }
  }

  function decisionField() {
    var box = document.querySelector('[data-shortcut="decision"]');
    if (!box) return null;
    return box.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
  }

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("shortcuts-off");
    if (toggle) {
      toggle.checked = shortcutsOff();
      toggle.addEventListener("change", function () {
        try { window.localStorage.setItem(STORE, toggle.checked ? "1" : "0"); } catch (e) { /* private mode */ }
      });
    }
    var field = decisionField();
    if (field && !window.location.hash) field.focus({ preventScroll: true });
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target) || shortcutsOff()) return;
    if (event.key === "n") {
      var next = document.querySelector('[data-shortcut="next-task"]') ||
        document.querySelector("[data-task-list] tbody tr a");
      if (next) { event.preventDefault(); next.click(); }
    } else if (event.key === "d") {
      var field = decisionField();
      if (field) { event.preventDefault(); field.focus(); }
    } else if (event.key === "?") {
      var panel = document.getElementById("shortcuts");
      if (panel) { event.preventDefault(); panel.open = true; panel.querySelector("summary").focus(); }
    }
  });
})();
