// Progress through the survey's required questions, as the enterprise answers them.
(function () {
  var form = document.getElementById("survey-form");
  if (!form) return;
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var template = text.getAttribute("data-template");
  var total = parseInt(form.getAttribute("data-required"), 10);
  function answered(q) {
    var checked = q.querySelector("input[type=radio]:checked");
    if (checked) return true;
    var field = q.querySelector("input[type=number], textarea");
    return !!(field && field.value.trim() !== "");
  }
  function update() {
    var done = 0;
    form.querySelectorAll('fieldset.question[data-required="1"]').forEach(function (q) {
      if (answered(q)) done += 1;
    });
    text.textContent = template.replace("{done}", done).replace("{total}", total);
    bar.value = done;
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
