// Progressive enhancement for the portal's pages. Everything works without it:
// the "add row" and "remove row" buttons of dynamic lists submit the page, and
// the server sends it back with one row more or less. With JavaScript the rows
// change in place, so files already chosen in the page are kept.
(function () {
  "use strict";

  function renumber(list) {
    list.querySelectorAll("[data-row]").forEach(function (row, position) {
      var number = row.querySelector("[data-row-number]");
      if (number) {
        number.textContent = String(position + 1);
      }
    });
  }

  function addRow(button) {
    var container = button.closest("[data-rows]");
    var template = container.querySelector("template[data-row-template]");
    var list = container.querySelector("[data-row-list]");
    if (!template || !list) {
      return false;
    }
    var index = Number(container.getAttribute("data-next-index") || "0");
    var html = template.innerHTML.split("__index__").join(String(index));
    list.insertAdjacentHTML("beforeend", html);
    container.setAttribute("data-next-index", String(index + 1));
    renumber(list);
    var first = list.lastElementChild && list.lastElementChild.querySelector("input, select, textarea");
    if (first) {
      first.focus();
    }
    return true;
  }

  function removeRow(button) {
    var row = button.closest("[data-row]");
    var container = button.closest("[data-rows]");
    if (!row || !container) {
      return false;
    }
    var list = row.parentElement;
    row.remove();
    renumber(list);
    var add = container.querySelector("[data-add-row]");
    if (add) {
      add.focus();
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var add = target.closest("[data-add-row]");
    if (add && addRow(add)) {
      event.preventDefault();
      return;
    }
    var remove = target.closest("[data-remove-row]");
    if (remove && removeRow(remove)) {
      event.preventDefault();
    }
  });
})();

// Take keyboard and screen-reader users straight to the list of problems.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
