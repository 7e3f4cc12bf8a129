(function () {
  "use strict";
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  var current = -1;
  function sentencesOf(li) {
    return (li.getAttribute("data-sentences") || "").split(" ").filter(Boolean).map(function (id) {
      return document.getElementById("s" + id);
    }).filter(Boolean);
  }
  function clearActive() {
    document.querySelectorAll(".seg.active").forEach(function (el) { el.classList.remove("active"); });
    findings.forEach(function (li) { li.classList.remove("current"); });
  }
  function select(i) {
    var visible = findings.filter(function (li) { return !li.hidden; });
    if (!visible.length) { return; }
    current = (i + visible.length) % visible.length;
    var li = visible[current];
    clearActive();
    li.classList.add("current");
    var sents = sentencesOf(li);
    sents.forEach(function (el) { el.classList.add("active"); });
    if (sents[0]) { sents[0].scrollIntoView({ block: "center" }); sents[0].focus({ preventScroll: true }); }
  }
  findings.forEach(function (li) {
    li.querySelector(".jump").addEventListener("click", function (ev) {
      ev.preventDefault();
      var visible = findings.filter(function (x) { return !x.hidden; });
      select(visible.indexOf(li));
    });
  });
  function applyFilters() {
    var sev = {}, rule = {};
    document.querySelectorAll(".f-sev").forEach(function (c) { sev[c.value] = c.checked; });
    document.querySelectorAll(".f-rule").forEach(function (c) { rule[c.value] = c.checked; });
    var shown = {};
    findings.forEach(function (li) {
      var ok = sev[li.getAttribute("data-severity")] !== false && rule[li.getAttribute("data-rule")] !== false;
      li.hidden = !ok;
      if (ok) { sentencesOf(li).forEach(function (el) { shown[el.id] = true; }); }
    });
    document.querySelectorAll(".seg.sentence[data-findings]").forEach(function (el) {
      if (el.getAttribute("data-findings")) { el.classList.toggle("dimmed", !shown[el.id]); }
    });
  }
  document.querySelectorAll(".f-sev, .f-rule").forEach(function (c) { c.addEventListener("change", applyFilters); });
  function setHeat(el, on) {
    el.querySelector(".plain").hidden = on;
    el.querySelector(".heat").hidden = !on;
  }
  var heatAll = document.getElementById("heat-all");
  if (heatAll) {
    heatAll.addEventListener("change", function () {
      document.querySelectorAll(".seg.sentence").forEach(function (el) { setHeat(el, heatAll.checked); });
    });
  }
  document.querySelectorAll(".seg.sentence").forEach(function (el) {
    el.addEventListener("dblclick", function () { setHeat(el, el.querySelector(".heat").hidden); });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target && /INPUT|TEXTAREA|SELECT/.test(ev.target.tagName)) { return; }
    if (ev.key === "j" || ev.key === "n") { select(current + 1); }
    else if (ev.key === "k" || ev.key === "p") { select(current - 1); }
    else if (ev.key === "h") {
      var el = document.querySelector(".seg.active") || document.querySelector(".seg.sentence");
      if (el) { setHeat(el, el.querySelector(".heat").hidden); }
    }
  });
})();
