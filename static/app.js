// Show only the fields that apply to the chosen customer type, and hide the mailing
// fields while "use primary address as mailing address" is ticked. The server applies
// the same rules; this only keeps the form short.
function syncCustomerForm(form) {
  const type = form.querySelector("[name=customerType]");
  if (type) {
    form.querySelectorAll("[data-shown-for]").forEach((el) => {
      el.hidden = !el.dataset.shownFor.split(" ").includes(type.value);
    });
  }
  const same = form.querySelector("[name=mailSameAsPrimary]");
  const mailing = form.querySelector(".mailing-fields");
  if (same && mailing) mailing.hidden = same.checked;
}

document.addEventListener("change", (event) => {
  const form = event.target.closest(".customer-form");
  if (form) syncCustomerForm(form);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".customer-form").forEach(syncCustomerForm);
});
