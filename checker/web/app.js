(function () {
  "use strict";
  // The editor's loop: paste or drop, check, read the report, edit in place, check again.
  // Wire text only ever reaches the page as textarea value, textContent, or the report the server escaped.
  var text = document.getElementById("text");
  var fileInput = document.getElementById("file");
  var format = document.getElementById("format");
  var button = document.getElementById("check");
  var progress = document.getElementById("progress");
  var message = document.getElementById("message");
  var frame = document.getElementById("report");
  var downloads = document.getElementById("downloads");
  var dlHtml = document.getElementById("dl-html");
  var dlJson = document.getElementById("dl-json");
  var fileName = document.getElementById("filename");
  var tokenBox = document.getElementById("token");
  var needsToken = document.querySelector('meta[name="checker-auth"]').content === "required";
  var sourceText = document.getElementById("source-text");
  var sourceFile = document.getElementById("source-file");
  var loaded = null;   // the dropped file, sent as it is until the text is edited
  var loadedSource = null;  // the original's file, likewise
  var urls = [];       // blob URLs of the last report, released on the next check

  if (needsToken) {
    document.getElementById("token-label").hidden = false;
    tokenBox.value = sessionStorage.getItem("checker-token") || "";
    tokenBox.addEventListener("change", function () { sessionStorage.setItem("checker-token", tokenBox.value); });
  }

  function headers() {
    return needsToken && tokenBox.value ? { "Authorization": "Bearer " + tokenBox.value } : {};
  }

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  function take(file) {
    var reader = new FileReader();
    reader.onload = function () {
      text.value = reader.result;
      loaded = { file: file, text: reader.result };
      fileName.textContent = file.name;
      say("Loaded " + file.name + " (" + file.size + " bytes). Press Check.");
    };
    reader.onerror = function () { say("Cannot read " + file.name, true); };
    reader.readAsText(file);
  }

  fileInput.addEventListener("change", function () { if (fileInput.files[0]) { take(fileInput.files[0]); } });
  sourceFile.addEventListener("change", function () {
    var file = sourceFile.files[0];
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      sourceText.value = reader.result;
      loadedSource = { file: file, text: reader.result };
      say("Original " + file.name + " loaded: the English will be checked against it.");
    };
    reader.onerror = function () { say("Cannot read " + file.name, true); };
    reader.readAsText(file);
  });
  var drop = document.getElementById("drop");
  drop.addEventListener("dragover", function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    drop.classList.remove("over");
    if (ev.dataTransfer.files.length) { take(ev.dataTransfer.files[0]); }
  });

  function body() {
    var form = new FormData();
    if (loaded && loaded.text === text.value) {
      form.append("file", loaded.file, loaded.file.name);   // untouched: the original bytes
    } else {
      var name = loaded ? loaded.file.name : "pasted.txt";
      form.append("file", new Blob([text.value], { type: "text/plain" }), name);
    }
    if (loadedSource && loadedSource.text === sourceText.value) {
      form.append("source", loadedSource.file, loadedSource.file.name);
    } else if (sourceText.value.trim()) {
      form.append("source", new Blob([sourceText.value], { type: "text/plain" }), "original.txt");
    }
    return form;
  }

  function release() {
    urls.forEach(function (u) { URL.revokeObjectURL(u); });
    urls = [];
  }

  function blobUrl(content, type) {
    var u = URL.createObjectURL(new Blob([content], { type: type }));
    urls.push(u);
    return u;
  }

  function errorOf(response) {
    return response.json().then(function (j) { return j.error || response.statusText; },
                                function () { return response.status + " " + response.statusText; });
  }

  function check() {
    if (!text.value.trim()) { say("Nothing to check: paste an article or drop a file.", true); return; }
    var started = Date.now();
    button.disabled = true;
    progress.hidden = false;
    say("Checking…");
    var timer = setInterval(function () {
      say("Checking… " + ((Date.now() - started) / 1000).toFixed(1) + " s");
    }, 200);
    var query = "?output=html" + (format.value ? "&format=" + encodeURIComponent(format.value) : "");
    fetch("/v1/check" + query, { method: "POST", body: body(), headers: headers() })
      .then(function (response) {
        if (!response.ok) {
          return errorOf(response).then(function (e) {
            var wait = response.headers.get("Retry-After");
            throw new Error(e + (wait ? " (retry in " + wait + " s)" : ""));
          });
        }
        var id = response.headers.get("X-Checker-Report-Id");
        var result = response.headers.get("X-Checker-Result");
        return response.text().then(function (html) {
          release();
          var url = blobUrl(html, "text/html");
          frame.src = url;
          dlHtml.href = url;
          dlHtml.download = "checker-report.html";
          downloads.hidden = false;
          return fetch("/v1/reports/" + encodeURIComponent(id) + ".json", { headers: headers() })
            .then(function (r) { return r.ok ? r.text() : ""; })
            .then(function (json) {
              if (json) { dlJson.href = blobUrl(json, "application/json"); dlJson.download = "checker-report.json"; }
              say("Checked in " + ((Date.now() - started) / 1000).toFixed(1) + " s: " +
                  (result === "fail" ? "needs an editor" : "passes") + ".");
            });
        });
      })
      .catch(function (err) { say(err.message || String(err), true); })
      .then(function () {
        clearInterval(timer);
        progress.hidden = true;
        button.disabled = false;
      });
  }

  button.addEventListener("click", check);
  text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); check(); }
  });
})();
