// The event report form (templates/events/report.html). It works without JavaScript; with it:
//  - the category's questions come as soon as a category is chosen (HTMX), so the
//    "Show the questions" button is hidden;
//  - the draft is saved as the person types (HTMX posts the form to the draft URL), and a
//    save that fails says so plainly, keeping what was typed on the page;
//  - a second press of "Send the report" while the first is on its way does nothing (the
//    form's client key would make it harmless anyway: one report either way).
(() => {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  document.documentElement.classList.add("autosave");
  const status = document.getElementById("draft-status");
  let sending = false;

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.name === "show_questions") return;
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    form.querySelectorAll("button.send-report").forEach((b) => b.setAttribute("aria-disabled", "true"));
    if (status) status.textContent = "Sending the report…";
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target === status && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt !== form || event.detail.successful || !status) return;
    const code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (code === 422) return;
    const reason = code === 0 ? "the server could not be reached"
      : code === 403 ? "your session ended (sign in again in another tab)"
      : `the server answered ${code}`;
    status.textContent = `Draft not saved: ${reason}. What you typed is still on this page.`;
  });
})();
