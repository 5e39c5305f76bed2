"""Forms for the trainee's own account."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...i18n import lazy_gettext as _l
from .auth import REQUIRED, new_password_fields, revoke_tokens_field


class ProfileForm(FlaskForm):
    name_th = StringField(_l("Name in Thai"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(),
                                                                        Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    language = RadioField(_l("Language"),
                          choices=[SelectChoice("th", "ภาษาไทย"), SelectChoice("en", "English")],
                          validators=[DataRequired(REQUIRED)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED),
                                                                Length(max=200)])
    password, password_again = new_password_fields()
    revoke_tokens = revoke_tokens_field()


class SignOutEverywhereForm(FlaskForm):
    """Only the CSRF token: the button signs out every device."""


class ConsentForm(FlaskForm):
    consent = BooleanField(
        _l("I have read the privacy notice and consent to the processing of my personal data "
           "as it describes."),
        validators=[DataRequired(_l("Please read the privacy notice and give your consent."))])
