// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("keydown", (event) => {
  // Escape closes an open menu (the organization switcher) and returns focus to it.
  if (event.key !== "Escape") return;
  document.querySelectorAll("details[open]").forEach((menu) => {
    menu.open = false;
    menu.querySelector("summary")?.focus();
  });
});

// Warn before leaving a page whose form (marked data-warn-unsaved) holds changes not yet
// saved: typed since the page loaded, or sent back by the server with errors
// (data-warn-unsaved="dirty"). Submitting the form is not leaving it.
(() => {
  const unsaved = new Set(document.querySelectorAll('form[data-warn-unsaved="dirty"]'));
  const note = (event) => {
    const form = event.target.form || event.target.closest?.("form");
    if (form && form.matches("[data-warn-unsaved]")) unsaved.add(form);
  };
  document.addEventListener("input", note);
  document.addEventListener("change", note);
  document.addEventListener("submit", (event) => unsaved.delete(event.target));
  window.addEventListener("beforeunload", (event) => {
    if ([...unsaved].some((form) => form.isConnected)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();

// On a narrow screen the organization's navigation folds behind the header's Menu button, so
// the page's content comes first. Without JavaScript the button stays hidden and the
// navigation follows the content.
(() => {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("side-nav");
  if (!toggle || !nav) return;
  document.documentElement.classList.add("js-nav");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
    if (open) nav.querySelector("a")?.focus();
  });
})();

// Provenance markers (frameworks/templatetags/packs.py) are numbered by the page's "Sources"
// list. A row the server re-renders alone (an HTMX swap) numbers its markers from 1; give
// them the numbers of the page they land in, adding a footnote the page did not have.
document.addEventListener("htmx:afterSettle", () => {
  const list = document.querySelector(".source-notes ol");
  if (!list) return;
  document.querySelectorAll(".source-mark[data-source]").forEach((mark) => {
    let note = document.getElementById(mark.dataset.source);
    if (!note) {
      note = document.createElement("li");
      note.id = mark.dataset.source;
      note.textContent = mark.querySelector(".source-tip")?.textContent || "";
      list.append(note);
    }
    const number = mark.querySelector(".source-number");
    if (number) number.textContent = String([...list.children].indexOf(note) + 1);
  });
});
