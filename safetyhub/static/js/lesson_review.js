// The de-identification review: selecting words in a text "as written" fills the form that
// removes what was missed (which text, and the words exactly). The form works without this.
(() => {
  const form = document.getElementById("add-redaction-form");
  if (!form) return;
  const words = form.querySelector("[name=text]");
  const which = form.querySelector("[name=field]");
  const hint = document.getElementById("selection-hint");
  if (hint) hint.hidden = false;
  document.addEventListener("mouseup", fill);
  document.addEventListener("keyup", (event) => { if (event.shiftKey) fill(); });

  function fill() {
    const selection = window.getSelection();
    const text = selection ? selection.toString() : "";
    if (!text.trim() || !selection.anchorNode) return;
    const source = selection.anchorNode.parentElement &&
      selection.anchorNode.parentElement.closest("[data-review-field]");
    if (!source) return;
    words.value = text;
    which.value = source.dataset.reviewField;
  }
})();
