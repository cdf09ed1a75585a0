// Resumable uploads on the application form. A form with data-resumable-uploads
// (the tus endpoint) gets, in each document slot (data-slot), an Uppy dashboard
// that sends the chosen file in pieces of data-chunk-size bytes with a progress
// bar, retries a dropped connection and resumes where the server stands (also
// after a reload of the page). The slot's own file input is hidden and feeds the
// dashboard (its label still opens the file chooser), and the form waits for
// running uploads before it is sent. Without JavaScript or without the vendored
// Uppy (make assets) the input stays and the file goes with the form as before.
// The server checks the type by content and the size; a refusal shows in the
// dashboard.
(function () {
  "use strict";

  var form = document.querySelector("form[data-resumable-uploads]");
  var U = window.Uppy;
  if (!form || !U || !U.Uppy || !U.Dashboard || !U.Tus) {
    return;
  }
  var endpoint = form.getAttribute("data-resumable-uploads");
  var application = form.getAttribute("data-application");
  var chunkSize = Number(form.getAttribute("data-chunk-size")) || 8 * 1024 * 1024;
  var uploadedText = form.getAttribute("data-uploaded-text") || "";
  var token = form.querySelector("input[name=csrf_token]");
  var chinese = document.documentElement.lang === "zh-CN";
  var locale = chinese && U.locales && U.locales.zh_CN ? U.locales.zh_CN : undefined;

  var uppies = [];

  function running() {
    return uppies.some(function (uppy) {
      return uppy.getFiles().some(function (file) {
        return !file.error && !(file.progress && file.progress.uploadComplete);
      });
    });
  }

  // Saving or submitting while a file is still on its way waits for it, then goes on.
  form.addEventListener("submit", function (event) {
    if (!running()) {
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    var wait = function () {
      if (running()) {
        window.setTimeout(wait, 200);
      } else {
        form.requestSubmit(submitter || undefined);
      }
    };
    wait();
  });

  form.querySelectorAll("[data-slot]").forEach(function (slot) {
    var key = slot.getAttribute("data-slot");
    var input = slot.querySelector("input[type=file]");
    if (!input) {
      return;
    }
    var accept = (slot.getAttribute("data-accept") || "").split(",").filter(Boolean);
    var target = document.createElement("div");
    target.className = "resumable-upload";
    target.setAttribute("data-upload-slot", key);
    input.insertAdjacentElement("afterend", target);
    input.hidden = true;

    var uppy = new U.Uppy({
      id: "slot-" + key,
      autoProceed: true,
      locale: locale,
      restrictions: {
        maxNumberOfFiles: 1,
        maxFileSize: Number(slot.getAttribute("data-max-size")) || null,
        allowedFileTypes: accept.length ? accept.map(function (ext) { return "." + ext; }) : null
      },
      meta: { application: application, slot: key }
    });
    uppy.use(U.Dashboard, {
      inline: true,
      target: target,
      height: 240,
      width: "100%",
      proudlyDisplayPoweredByUppy: false,
      showRemoveButtonAfterComplete: true
    });
    uppy.use(U.Tus, {
      endpoint: endpoint,
      chunkSize: chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      headers: token ? { "X-CSRFToken": token.value } : {},
      allowedMetaFields: ["application", "slot", "name", "type"],
      removeFingerprintOnSuccess: true
    });
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files || [], function (file) {
        try {
          uppy.addFile({ name: file.name, type: file.type, data: file, source: "input" });
        } catch (refused) {
          // Uppy has shown why (type, size or number of files).
        }
      });
      input.value = "";
    });
    uppies.push(uppy);
    uppy.on("upload-success", function (file) {
      var status = slot.querySelector(".current-document");
      if (status) {
        status.textContent = uploadedText.replace("__name__", file.name);
        status.classList.remove("missing");
        status.classList.add("uploaded");
      }
    });
  });
})();
