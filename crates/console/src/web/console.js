// fedgate console: live validation of policy documents. Each <textarea data-policy> is
// checked by the server's policy parser (POST /console/validate-policy) as it is edited;
// the verdict appears in the element that names it with data-for. Nothing else runs here.
"use strict";
(function () {
  function csrf(form) {
    var f = form && form.querySelector("input[name=csrf]");
    return f ? f.value : "";
  }
  function check(area, out) {
    var body = new URLSearchParams();
    body.set("csrf", csrf(area.form));
    body.set("document", area.value);
    body.set("kind", area.getAttribute("data-policy") || "identity");
    fetch("/console/validate-policy", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    })
      .then(function (r) { return r.json(); })
      .then(function (v) {
        out.textContent = v.ok ? "Valid policy document." : "Not valid: " + v.error;
        out.className = "policy-check " + (v.ok ? "pass" : "fail");
        area.setAttribute("aria-invalid", v.ok ? "false" : "true");
      })
      .catch(function () { out.textContent = ""; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-policy]");
    Array.prototype.forEach.call(areas, function (area) {
      var out = document.querySelector(".policy-check[data-for='" + area.id + "']");
      if (!out) return;
      var timer = null;
      area.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { check(area, out); }, 300);
      });
      if (area.value) check(area, out);
    });
  });
})();
