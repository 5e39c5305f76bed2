"""The form a trainer fills in after an in-person workshop."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...i18n import lazy_gettext as _l


class WorkshopForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    held_on = DateField(_l("Date of the workshop"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    hours = DecimalField(_l("Hours of training"), places=1,
                         validators=[Optional(), NumberRange(min=0.5, max=200)],
                         description=_l("Printed on the trainees' certificates; "
                                        "the course's hours when left empty."))
    note = TextAreaField(_l("Evidence note (attendance sheet, agenda...)"),
                         validators=[Length(max=2000)])
    emails = TextAreaField(
        _l("Trainees' e-mail addresses"), validators=[DataRequired()],
        description=_l("One per line, or separated by commas."))
