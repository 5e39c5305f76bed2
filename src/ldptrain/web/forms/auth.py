"""Forms for signing in, signing up and password links. Labels are lazy so they follow the
chosen language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ...i18n import lazy_gettext as _l
from ...services.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ..params import IdField

REQUIRED = _l("Please fill this in.")


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED),
                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                           message=_l("Use %(n)s to %(m)s characters.", n=MIN_PASSWORD_LENGTH,
                                      m=MAX_PASSWORD_LENGTH))],
        description=_l("At least %(n)s characters. A short sentence is easy to remember.",
                       n=MIN_PASSWORD_LENGTH))
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(REQUIRED),
                    EqualTo("password", message=_l("The two passwords are not the same."))])
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED),
                                                 Email(check_deliverability=False)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    remember = BooleanField(_l("Remember me on this device"))


class SignupForm(FlaskForm):
    org_q = StringField(_l("Find your organisation"), validators=[Optional(), Length(max=100)],
                        description=_l("Type part of its Thai or English name, or its DLA code."))
    organisation_id = IdField(validators=[Optional()])
    name_th = StringField(_l("Name in Thai"), validators=[DataRequired(REQUIRED), Length(max=200)],
                          description=_l("With your title, e.g. นางสาว"))
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(),
                                                                        Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(REQUIRED), Email(check_deliverability=False,
                                      message=_l("Enter a valid e-mail address.")),
        Length(max=254)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    password, password_again = new_password_fields()
    consent = BooleanField(
        _l("I have read the privacy notice and consent to the processing of my personal data "
           "as it describes."),
        validators=[DataRequired(_l("Please read the privacy notice and give your consent."))])


class ConfirmSignupForm(FlaskForm):
    """Only the CSRF token: the link itself carries the sign-up."""


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(REQUIRED), Email(check_deliverability=False,
                                      message=_l("Enter a valid e-mail address."))])


def revoke_tokens_field() -> BooleanField:
    """Offered with a new password (shown when the person has API tokens)."""
    return BooleanField(_l("Also revoke my API tokens: scripts using them stop working"))


class NewPasswordForm(FlaskForm):
    password, password_again = new_password_fields()
    revoke_tokens = revoke_tokens_field()
