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

// Conditional fields. A section or item with data-hide-if (JSON written by
// forms/conditions.py: {"op": "=" or "!=", "key", "value"}, {"op": "and" or "or",
// "args"}, {"op": "not", "arg"}) is hidden while its condition holds for the
// values in its form. As on the server, a hidden field counts as empty, and its
// controls are disabled so the browser neither checks nor sends them. Without
// JavaScript everything stays visible and the server still applies the rules.
(function () {
  "use strict";

  var CONTROLS = "input, select, textarea, button";

  function isHidden(element) {
    return element.closest("[data-hide-if][hidden]") !== null;
  }

  // The value of the field named key: null when empty, absent or hidden, true or
  // false for a checkbox, otherwise the trimmed text (the chosen radio's value).
  function valueOf(form, key) {
    var control = form.elements.namedItem(key);
    var first = control instanceof RadioNodeList ? control[0] : control;
    if (!first || isHidden(first)) {
      return null;
    }
    if (first.type === "checkbox") {
      return first.checked;
    }
    var text = String(control.value || "").trim();
    return text === "" ? null : text;
  }

  function matches(actual, expected) {
    if (expected === null) {
      return actual === null;
    }
    if (typeof expected === "boolean") {
      return (actual === true) === expected;
    }
    if (typeof expected === "number") {
      return typeof actual === "string" && Number(actual) === expected;
    }
    return actual === expected;
  }

  function holds(condition, form) {
    switch (condition.op) {
      case "and":
        return condition.args.every(function (part) { return holds(part, form); });
      case "or":
        return condition.args.some(function (part) { return holds(part, form); });
      case "not":
        return !holds(condition.arg, form);
      case "=":
        return matches(valueOf(form, condition.key), condition.value);
      case "!=":
        return !matches(valueOf(form, condition.key), condition.value);
      default:
        return false;
    }
  }

  function update(form) {
    var parts = Array.prototype.slice.call(form.querySelectorAll("[data-hide-if]"));
    // Hiding one part can change another's condition: repeat until nothing changes.
    for (var round = 0; round <= parts.length; round += 1) {
      var changed = false;
      parts.forEach(function (part) {
        var hide = holds(JSON.parse(part.getAttribute("data-hide-if")), form);
        if (part.hidden !== hide) {
          part.hidden = hide;
          changed = true;
        }
      });
      if (!changed) {
        break;
      }
    }
    parts.forEach(function (part) {
      part.querySelectorAll(CONTROLS).forEach(function (control) {
        control.disabled = isHidden(control);
      });
    });
  }

  function updateAround(event) {
    var form = event.target instanceof Element ? event.target.closest("form") : null;
    if (form && form.querySelector("[data-hide-if]")) {
      update(form);
    }
  }

  document.addEventListener("change", updateAround);
  document.addEventListener("input", updateAround);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-hide-if]")) {
        update(form);
      }
    });
  });
})();
