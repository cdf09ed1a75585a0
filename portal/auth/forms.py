"""The sign-in and registration forms.

They only check presence and the password confirmation; every other rule is
the account service's, whose errors the views show on these fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo

from portal.accounts.models import OrgType
from portal.pages.display import ORG_TYPE_LABELS
from portal.pages.viewhelpers import PageForm


class LoginForm(PageForm):
    username = StringField(
        lazy_gettext("User name"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class RegistrationForm(PageForm):
    org_name = StringField(
        lazy_gettext("Organisation name"),
        validators=[DataRequired()],
        description=lazy_gettext("As printed on the business licence."),
        render_kw={"autocomplete": "organization", "maxlength": 200},
    )
    uscc = StringField(
        lazy_gettext("Unified social credit code"),
        validators=[DataRequired()],
        description=lazy_gettext("18 characters, as printed on the business licence."),
        render_kw={"maxlength": 18, "autocapitalize": "characters", "spellcheck": "false"},
    )
    org_type = SelectField(
        lazy_gettext("Organisation type"),
        validators=[DataRequired()],
        choices=[SelectChoice(value="", label=lazy_gettext("Choose…"))]
        + [
            SelectChoice(value=t.value, label=lazy_gettext(ORG_TYPE_LABELS[t.value]))
            for t in OrgType
        ],
    )
    contact_name = StringField(
        lazy_gettext("Contact person"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "name", "maxlength": 100},
    )
    mobile = StringField(
        lazy_gettext("Mobile number"),
        validators=[DataRequired()],
        description=lazy_gettext("Mainland China mobile number, 11 digits."),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": 11},
    )
    email = StringField(
        lazy_gettext("E-mail (optional)"),
        description=lazy_gettext("Decisions on your applications are also sent here."),
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": 254},
    )
    username = StringField(
        lazy_gettext("User name"),
        validators=[DataRequired()],
        description=lazy_gettext("3 to 64 letters, digits or . _ @ - ; used to sign in."),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "maxlength": 64},
    )
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[DataRequired()],
        description=lazy_gettext(
            "At least 8 characters mixing three of: lower-case letters, upper-case letters, "
            "digits, symbols; must not contain the user name."
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        lazy_gettext("Confirm password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=lazy_gettext("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
