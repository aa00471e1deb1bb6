// The reply page's character counters: "120 / 5,000자" under each follow-up text, kept
// current as the department types. The page works the same without it.
document.querySelectorAll(".counter[data-for]").forEach(function (counter) {
  var field = document.getElementById(counter.getAttribute("data-for"));
  if (!field) return;
  var limit = Number(field.getAttribute("maxlength")).toLocaleString("ko-KR");
  var update = function () { counter.textContent = field.value.length.toLocaleString("ko-KR") + " / " + limit + "자"; };
  field.addEventListener("input", update);
});
