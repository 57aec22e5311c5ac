// Running total of the scoring form, and "comment required on deduction" as the user types.
// The service checks everything again; this only helps the person filling the form.
(function () {
  var form = document.getElementById("score-form");
  if (!form) return;
  var out = document.getElementById("running-total");
  function update() {
    var total = 0;
    form.querySelectorAll(".criterion[data-max]").forEach(function (row) {
      var input = row.querySelector("input[type=number]");
      var comment = row.querySelector("textarea");
      var v = parseFloat(input.value);
      if (!isNaN(v)) total += v;
      var max = parseFloat(row.getAttribute("data-max"));
      comment.required = !isNaN(v) && v < max;
    });
    out.textContent = (Math.round(total * 100) / 100).toString();
  }
  form.addEventListener("input", update);
  update();
})();
