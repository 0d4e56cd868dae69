// Submit the language form as soon as a language is chosen (a file, not an inline handler: the
// Content-Security-Policy allows scripts from this site only). Without script, the form's button submits it.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("lang");
  if (!select) return;
  var button = select.form.querySelector("button");
  if (button) button.hidden = true;
  select.addEventListener("change", function () { select.form.submit(); });
});
