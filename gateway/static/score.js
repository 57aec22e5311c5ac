// Running total of the scoring form, a warning above a criterion's maximum, and "comment required
// on deduction", as the user types. The service checks everything again; this only helps.
(function () {
  var form = document.getElementById("score-form");
  if (!form) return;
  var out = document.getElementById("running-total");
  var totalMax = parseFloat(document.getElementById("total-max").textContent);
  var totalWarning = document.getElementById("total-warning");
  var overText = form.getAttribute("data-over");
  var overTotal = form.getAttribute("data-over-total");
  function update(event) {
    var total = 0;
    form.querySelectorAll(".criterion[data-max]").forEach(function (row) {
      var input = row.querySelector("input[type=number]");
      var comment = row.querySelector("textarea");
      var err = document.getElementById("pe-" + input.id.slice(2));
      var v = parseFloat(input.value);
      var max = parseFloat(row.getAttribute("data-max"));
      if (!isNaN(v)) total += v;
      comment.required = !isNaN(v) && v < max;
      var touched = event && event.target === input;
      if (!isNaN(v) && (v > max || v < 0)) {
        input.setAttribute("aria-invalid", "true");
        err.textContent = overText.replace("{max}", max);
        err.hidden = false;
      } else if (touched) {  // the service's note on this field no longer applies once it changes
        input.removeAttribute("aria-invalid");
        err.textContent = "";
        err.hidden = true;
      }
    });
    out.textContent = (Math.round(total * 100) / 100).toString();
    totalWarning.hidden = !(total > totalMax);
    totalWarning.textContent = total > totalMax ? overTotal.replace("{max}", totalMax) : "";
  }
  form.addEventListener("input", update);
  update(null);
})();
