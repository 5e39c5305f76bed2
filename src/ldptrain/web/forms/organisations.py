"""Forms of the organisation register (administrators)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...i18n import lazy_gettext as _l

TYPE_LABELS = {
    "pao": _l("Provincial administrative organisation (PAO)"),
    "city_municipality": _l("City municipality"),
    "town_municipality": _l("Town municipality"),
    "subdistrict_municipality": _l("Subdistrict municipality"),
    "sao": _l("Subdistrict administrative organisation (SAO)"),
    "bma": _l("Bangkok Metropolitan Administration"),
    "pattaya": _l("Pattaya City"),
    "dla_office": _l("DLA office"),
}


class OrganisationForm(FlaskForm):
    type = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in TYPE_LABELS.items()],
                       validators=[DataRequired()])
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    parent_code = StringField(_l("Parent organisation (DLA code, optional)"),
                              validators=[Optional(), Length(max=20)])
    active = BooleanField(_l("Active (people can choose it when they sign up)"))
    merged_into_code = StringField(_l("Merged into (DLA code of the successor, optional)"),
                                   validators=[Optional(), Length(max=20)])
    merged_on = DateField(_l("Merged on"), validators=[Optional()])


class RegisterUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    deactivate_missing = BooleanField(
        _l("The file is the whole register: deactivate organisations that are not in it"))


class RegisterConfirmForm(FlaskForm):
    """The previewed file travels back with the confirmation; it is checked again, and written
    only if it would still make exactly the changes shown (`digest`)."""

    text = HiddenField()
    name = HiddenField()
    digest = HiddenField()
    deactivate_missing = HiddenField()
