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
// A form swapped in by htmx (a tab edited in place) starts in the same state.
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  if (!root.querySelectorAll) return;
  if (root.matches(".customer-form")) syncCustomerForm(root);
  root.querySelectorAll(".customer-form").forEach(syncCustomerForm);
});

// ZIP / postal code decoding: fill the city and state from the packaged ZIP data when
// they are empty (or were filled by an earlier decode), never over what a person typed.
document.addEventListener("change", async (event) => {
  const zip = event.target;
  if (!zip.name || !/Zipcode$/.test(zip.name) || !zip.value.trim()) return;
  const prefix = zip.name.replace(/Zipcode$/, "");
  const response = await fetch(`/zip/${encodeURIComponent(zip.value.trim())}.json`);
  if (!response.ok) return;
  const place = await response.json();
  for (const [part, value] of [["City", place.city], ["State", place.state]]) {
    const input = document.querySelector(`[name=${prefix}${part}]`);
    if (input && value && (!input.value || input.dataset.decoded === "1")) {
      input.value = value;
      input.dataset.decoded = "1";
    }
  }
});
document.addEventListener("input", (event) => {
  delete event.target.dataset.decoded;  // typed by a person from now on
});

// After a save refused because someone else saved first: "Use saved value" puts the
// value saved now into its field (the person's other entries stay as typed).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-use-value]");
  if (!button) return;
  const input = document.getElementById(button.dataset.for);
  if (!input) return;
  input.value = button.dataset.useValue;
  input.dispatchEvent(new Event("change", { bubbles: true }));
  button.closest(".now-saved").hidden = true;
});

// A customer tab opened from the section list: the keyboard carries on in the tab just
// opened (its heading), not at the top of the page, and on a phone the section strip
// keeps the open tab in sight.
function showCurrentTab() {
  const current = document.querySelector("nav.tabs a[aria-current]");
  if (current) current.scrollIntoView({ block: "nearest", inline: "nearest" });
}
document.addEventListener("DOMContentLoaded", showCurrentTab);
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target.id !== "tab") return;
  showCurrentTab();
  const from = event.detail.requestConfig && event.detail.requestConfig.elt;
  const heading = document.querySelector("#tab h2");
  if (from && from.closest("nav.tabs") && heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
});

// Enter in the search box opens the customer when that search finds exactly one (the
// answer to the Enter itself, not to an earlier keystroke still on its way).
document.addEventListener("htmx:afterSettle", (event) => {
  const config = event.detail.requestConfig;
  if (event.detail.target.id !== "results" || !config || !config.triggeringEvent) return;
  if (config.triggeringEvent.type !== "submit") return;
  const rows = event.detail.target.querySelectorAll("table.customers tbody tr");
  if (rows.length === 1) window.location.assign(rows[0].querySelector("a").href);
});

// The queue page redraws itself every two seconds: the job lists someone opened stay open.
let openJobLists = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id !== "queue-live") return;
  openJobLists = [...event.detail.target.querySelectorAll("details[id][open]")].map((d) => d.id);
});
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "queue-live") return;
  openJobLists.forEach((id) => document.getElementById(id)?.setAttribute("open", ""));
});

// A plain form (posted by the browser, not htmx) with hx-confirm asks first, as htmx asks
// for its own requests.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("hx-confirm");
  if (question && !form.hasAttribute("hx-post") && !window.confirm(question)) {
    event.preventDefault();
  }
});
