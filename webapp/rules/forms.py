"""WTForms fields and forms generated from the rule table.

A generated field validates by calling its spec's parser, so a form and the importer
can never disagree about one value; the form then runs the same record rules on the
whole record and puts each error beside the field it is about.
"""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import PasswordInput

from webapp.rules.parsers import parser_for
from webapp.rules.record import (
    apply_defaults,
    normalise_record,
    record_errors,
    stored_note,
    unchanged_value_problems,
)
from webapp.rules.spec import (
    MASKED_MISMATCH,
    FieldError,
    FieldSpec,
    RuleError,
    form_text,
    masked_stands_for,
    sent_back_masked,
)

CHOOSE = SelectChoice("", "— choose —")


class FollowsRule:
    """The WTForms validator that applies a FieldSpec's parser."""

    def __init__(self, spec: FieldSpec):
        self.spec = spec
        self.field_flags = {"required": True} if spec.required else {}

    def __call__(self, form, field):
        raw = field.data
        text = raw.strip() if isinstance(raw, str) else raw
        if text in (None, ""):
            form.cleaned[self.spec.name] = None
            return
        if sent_back_masked(self.spec, text):
            stored = (form.base_record or {}).get(self.spec.name)
            if not masked_stands_for(text, stored):
                raise StopValidation(MASKED_MISMATCH)
            form.cleaned[self.spec.name] = stored
            return
        try:
            form.cleaned[self.spec.name] = parser_for(self.spec, form.rule_context)(text)
        except RuleError as problem:
            stored = form.stored_value(self.spec, text)
            if stored is None:
                raise StopValidation(str(problem)) from None
            # The stored value sent back unchanged: kept, and pointed out (rules judge
            # what changes, so old data never blocks the fields a person did change).
            form.cleaned[self.spec.name] = stored
            form.attention.append(stored_note(FieldError(self.spec.name, str(problem), text)))


def spec_field(spec: FieldSpec):
    """An unbound WTForms field for one spec."""
    common = {"label": spec.label, "validators": [FollowsRule(spec)]}
    if spec.kind == "status":
        return SelectField(choices=[], validate_choice=False, **common)
    if spec.kind == "flag":
        # A flag with a default (sale/transfer consent) always has a value; one without
        # (a custom yes/no field) may be left unanswered.
        answers = [SelectChoice("1", "Yes"), SelectChoice("0", "No")]
        return SelectField(
            choices=answers if spec.default is not None else [CHOOSE, *answers],
            validate_choice=False,
            **common,
        )
    if spec.kind in ("choice", "country"):
        choices = [CHOOSE] + [SelectChoice(c, spec.choice_labels.get(c, c)) for c in spec.choices]
        return SelectField(choices=choices, validate_choice=False, **common)
    if spec.kind == "password":
        # Kept on a failed save, so nothing the user typed is lost.
        return PasswordField(
            widget=PasswordInput(hide_value=False),
            render_kw={"autocomplete": "new-password"},
            **common,
        )
    render_kw = {"maxlength": spec.max_length} if spec.kind == "text" else {}
    if spec.kind in ("date", "past_date"):
        render_kw = {"type": "date"}
    if spec.kind in ("phone", "nine_digits"):
        render_kw = {"inputmode": "numeric"}
    # A select shows its own choices; other fields say what they accept.
    return StringField(render_kw=render_kw, description=spec.expected, **common)


class RuleForm(FlaskForm):
    """A form whose fields come from specs. `record` holds the normalised result. The
    record rules default to the customer's; a form for another record names its own."""

    specs: tuple[FieldSpec, ...] = ()
    check_record = staticmethod(record_errors)
    normalise = staticmethod(normalise_record)
    defaults = staticmethod(apply_defaults)

    def __init__(self, *args, rule_context, base_record: dict | None = None, **kwargs):
        self.rule_context = rule_context
        self.base_record = base_record  # None when adding a customer
        self.cleaned: dict = {}
        self.record: dict | None = None
        self.attention: list[FieldError] = []  # stored values today's rules would refuse
        super().__init__(*args, **kwargs)
        for spec in self.specs:
            if spec.kind == "status":
                self[spec.name].choices = [
                    SelectChoice(str(i), t) for i, t in rule_context.status_titles.items()
                ]

    def spec_names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def stored_value(self, spec: FieldSpec, text: str):
        """The stored value when `text` is just that value shown back, else None."""
        if self.base_record is None:
            return None
        value = self.base_record.get(spec.name)
        return value if value is not None and text == form_text(spec, value) else None

    def stored_problems(self) -> list[FieldError]:
        """What today's rules say of the stored record, for the form to point out before
        anyone saves."""
        if self.base_record is None:
            return []
        notes = []
        for spec in self.specs:
            text = form_text(spec, self.base_record.get(spec.name))
            if text:
                try:
                    parser_for(spec, self.rule_context)(text)
                except RuleError as problem:
                    notes.append(stored_note(FieldError(spec.name, str(problem), text)))
        noted = {n.field for n in notes}
        return notes + [stored_note(e) for e in self.check_record(self.base_record, noted)]

    def validate(self, extra_validators=None) -> bool:
        self.cleaned = {}
        self.attention = []
        fields_ok = super().validate(extra_validators)
        record = self.combined_record()
        wrong = {name for name, f in self._fields.items() if f.errors}
        problems = self.check_record(record, wrong)
        if self.base_record is not None:
            problems, attention = unchanged_value_problems(
                self.base_record, record, problems, self.check_record
            )
            self.attention += attention
        for problem in problems:
            target = self._fields.get(problem.field)
            (target.errors if target is not None else self.form_errors).append(problem.message)
        if fields_ok and not problems:
            self.record = self.normalise(record)
            return True
        return False

    def combined_record(self) -> dict:
        if self.base_record is None:
            return self.defaults(self.cleaned, self.rule_context)
        record = dict(self.base_record)
        for spec in self.specs:
            # A blank secret (the password) keeps the stored one.
            if spec.mask == "secret" and self.cleaned.get(spec.name) is None:
                continue
            record[spec.name] = self.cleaned.get(spec.name)
        return record


def rule_form_class(name: str, specs, base=RuleForm, **extra_fields) -> type:
    """A RuleForm subclass with one generated field per spec, plus any extra fields."""
    attrs = {spec.name: spec_field(spec) for spec in specs}
    attrs.update(extra_fields)
    attrs["specs"] = tuple(specs)
    return type(name, (base,), attrs)
