// Autosave for the assessment sheets. Every sheet works without JavaScript (one form per
// element with a Save button); with it, HTMX posts each control as it changes (see the
// hx-* attributes in templates/assessments/_row_body.html) and takes from the answer only
// the parts of the row that say what happened, so nothing being typed is replaced.
// This file:
//  - lets HTMX show the rows the server answers with 409 (conflict) and 422 (invalid);
//  - says "Saving…" while a save is on its way, and says so plainly when one fails;
//  - points fields at their errors (aria-describedby, aria-invalid) after a save;
//  - moves focus to an element's heading after its whole row was replaced;
//  - warns before leaving the page while an answer is typed but not yet saved.
(() => {
  "use strict";
  document.documentElement.classList.add("autosave");

  const inFlight = new Set();   // controls whose save is on its way
  const typed = new Set();      // text fields typed into since their last save was sent
  const failed = new Set();     // rows whose last save did not reach the server

  const rowOf = (elt) => (elt && elt.closest ? elt.closest(".sheet-row") : null);
  const statusOf = (row) => (row ? row.querySelector(".row-feedback .save-status") : null);

  document.addEventListener("input", (event) => {
    if (event.target.matches(".answer-form textarea")) typed.add(event.target);
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    const code = event.detail.xhr.status;
    if (code === 409 || code === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail.elt;
    const row = rowOf(elt);
    if (!row) return;
    inFlight.add(elt);
    typed.delete(elt);
    const status = statusOf(row);
    if (status) status.textContent = "Saving…";
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const elt = event.detail.elt;
    if (!inFlight.delete(elt)) return;
    const row = rowOf(elt);
    const xhr = event.detail.xhr;
    const code = xhr ? xhr.status : 0;
    if (code === 409 || code === 422 || event.detail.successful) {
      if (row) failed.delete(row.id);
      if (event.detail.successful && elt.matches("form.upload-form")) elt.reset();
      return;
    }
    if (row) failed.add(row.id);
    const status = statusOf(document.getElementById(row ? row.id : "") || row);
    if (!status) return;
    const reason = code === 0 ? "the server could not be reached"
      : code === 413 ? "the file is too large"
      : code === 403 ? "you may not change this answer (or your session ended: sign in again)"
      : `the server answered ${code}`;
    status.textContent = `Not saved: ${reason}. What you entered is still on this page; ` +
      "change it again or reload the page to try again.";
  });

  // Point each field at its error in the row's feedback (or stop pointing), as the server
  // does on a full page.
  const markInvalid = (row) => {
    const feedback = row.querySelector(".row-feedback");
    if (!feedback) return;
    const pk = feedback.id.slice(2);
    row.querySelectorAll("[data-field]").forEach((control) => {
      const errorId = `fe${pk}-${control.dataset.field}`;
      const hasError = Boolean(document.getElementById(errorId));
      const ids = (control.getAttribute("aria-describedby") || "").split(/\s+/)
        .filter((id) => id && id !== errorId);
      if (hasError) ids.push(errorId);
      if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
      else control.removeAttribute("aria-describedby");
      const inputs = control.matches("fieldset") ? control.querySelectorAll("input") : [control];
      inputs.forEach((input) => {
        if (hasError) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    });
  };

  document.addEventListener("htmx:afterSettle", () => {
    for (const set of [typed, inFlight]) {
      for (const elt of set) if (!elt.isConnected) set.delete(elt);
    }
    document.querySelectorAll(".sheet-row").forEach(markInvalid);
    const focus = document.querySelector(".sheet-row [data-autofocus]");
    if (focus) {
      focus.removeAttribute("data-autofocus");
      focus.focus();
    }
  });

  window.addEventListener("beforeunload", (event) => {
    if (inFlight.size || typed.size || failed.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
