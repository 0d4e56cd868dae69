// The work queue's "select every case on this page" box (the page works without it: each row has its own box).
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  if (!all) return;
  const boxes = () => document.querySelectorAll("input[name=tasks]");
  all.hidden = false;
  all.closest("th").querySelector("label").hidden = false;
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
});
