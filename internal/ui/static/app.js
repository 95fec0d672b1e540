// Conveniences only; every page works without this file.
// Changing a filter menu applies it at once.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('filters');
  if (!form) return;
  for (const select of form.querySelectorAll('select')) {
    select.addEventListener('change', () => form.requestSubmit());
  }
});
