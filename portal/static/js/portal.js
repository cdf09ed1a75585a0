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

// Pickers. A text input with data-picker gets choosers beside it that fill it in;
// typing the code still works, and without JavaScript the input is all there is.
// "division" and "county": province, city and county selects over GB/T 2260
// (data-picker-source answers ?parent= with {"items": [{"code", "name"}]}); a
// "county" field takes a value only once a county is chosen. "cinema": a select
// of the organisation's active cinemas, shown only when it has some.
(function () {
  "use strict";

  var cache = {};

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (body) { return body.items || []; });
    }
    return cache[url];
  }

  function fill(select, items, placeholder, label) {
    select.textContent = "";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = placeholder;
    select.appendChild(empty);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = label(item);
      select.appendChild(option);
    });
    select.disabled = items.length === 0;
  }

  function setValue(input, value) {
    if (input.value !== value) {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function chooser(labelText) {
    var wrap = document.createElement("label");
    wrap.className = "picker-level";
    var caption = document.createElement("span");
    caption.textContent = labelText;
    var select = document.createElement("select");
    wrap.appendChild(caption);
    wrap.appendChild(select);
    return { wrap: wrap, select: select };
  }

  function divisionPicker(input) {
    var labels = JSON.parse(input.getAttribute("data-picker-labels"));
    var source = input.getAttribute("data-picker-source");
    var countyOnly = input.getAttribute("data-picker") === "county";
    var box = document.createElement("div");
    box.className = "picker division-picker";
    var levels = [labels.province, labels.city, labels.county].map(function (text, depth) {
      var level = chooser(text);
      level.select.setAttribute("data-picker-level", String(depth));
      level.select.disabled = true;
      box.appendChild(level.wrap);
      return level.select;
    });
    input.insertAdjacentElement("beforebegin", box);
    var byName = function (item) { return item.name; };

    function showLevel(depth, parent, chosen) {
      for (var below = depth; below < levels.length; below += 1) {
        fill(levels[below], [], labels.choose, byName);
      }
      var url = source + "?parent=" + encodeURIComponent(parent);
      return load(url).then(function (items) {
        fill(levels[depth], items, labels.choose, byName);
        if (chosen && items.some(function (item) { return item.code === chosen; })) {
          levels[depth].value = chosen;
          return true;
        }
        return false;
      });
    }

    function showCode(code) {
      var valid = /^\d{6}$/.test(code);
      showLevel(0, "", valid ? code.slice(0, 2) + "0000" : "").then(function (found) {
        if (!found || code.slice(2) === "0000") {
          return found && showLevel(1, code.slice(0, 2), "");
        }
        return showLevel(1, code.slice(0, 2), code.slice(0, 4) + "00").then(function (city) {
          if (city) {
            return showLevel(2, code.slice(0, 4), code.slice(4) === "00" ? "" : code);
          }
          return false;
        });
      }).catch(function () { box.remove(); });
    }

    var choosing = false;
    levels.forEach(function (select, depth) {
      select.addEventListener("change", function () {
        var code = select.value;
        var chosen = code || (depth > 0 ? levels[depth - 1].value : "");
        choosing = true;
        setValue(input, countyOnly ? (depth === 2 ? code : "") : chosen);
        choosing = false;
        if (code && depth < 2) {
          showLevel(depth + 1, code.slice(0, 2 + 2 * depth), "");
        } else if (!code) {
          for (var below = depth + 1; below < levels.length; below += 1) {
            fill(levels[below], [], labels.choose, byName);
          }
        }
      });
    });
    input.addEventListener("change", function () {
      if (!choosing) {
        showCode(input.value.trim());
      }
    });
    showCode(input.value.trim());
  }

  function cinemaPicker(input) {
    var labels = JSON.parse(input.getAttribute("data-picker-labels"));
    load(input.getAttribute("data-picker-source")).then(function (items) {
      if (items.length === 0) {
        return;
      }
      var level = chooser(labels.cinema);
      level.wrap.className = "picker cinema-picker";
      fill(level.select, items, labels.choose, function (item) {
        return item.name + " (" + item.code + ")";
      });
      level.select.value = items.some(function (item) { return item.code === input.value; })
        ? input.value : "";
      level.select.addEventListener("change", function () {
        if (level.select.value) {
          setValue(input, level.select.value);
        }
      });
      input.insertAdjacentElement("afterend", level.wrap);
    }).catch(function () { /* the plain input still works */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-picker]").forEach(function (input) {
      if (input.getAttribute("data-picker") === "cinema") {
        cinemaPicker(input);
      } else {
        divisionPicker(input);
      }
    });
  });
})();
