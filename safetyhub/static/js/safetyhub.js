// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("keydown", (event) => {
  // Escape closes an open menu (the organization switcher) and returns focus to it.
  if (event.key !== "Escape") return;
  document.querySelectorAll("details[open]").forEach((menu) => {
    menu.open = false;
    menu.querySelector("summary")?.focus();
  });
});
