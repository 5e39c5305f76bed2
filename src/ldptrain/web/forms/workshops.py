"""The form a trainer fills in after an in-person workshop."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...i18n import lazy_gettext as _l


class WorkshopForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    held_on = DateField(_l("Date of the workshop"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Evidence note (attendance sheet, agenda...)"),
                         validators=[Length(max=2000)])
    emails = TextAreaField(
        _l("Trainees' e-mail addresses"), validators=[DataRequired()],
        description=_l("One per line, or separated by commas."))
