"""Unit forms: shape only; services decide what the tree allows."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

KIND_LABELS = {
    "province": _l("Tỉnh, thành phố"),
    "district_legacy": _l("Huyện, quận (cũ)"),
    "commune": _l("Xã"),
    "ward": _l("Phường"),
    "special_zone": _l("Đặc khu"),
    "hamlet": _l("Ấp, thôn, bản"),
    "residential_group": _l("Tổ dân phố, khu phố"),
}
CHILD_KINDS = ("commune", "ward", "special_zone", "hamlet", "residential_group", "district_legacy")
REQUIRED = _l("Vui lòng điền mục này.")


def kind_label(kind):
    return KIND_LABELS.get(kind, kind)


def _code(label, description=None):
    return StringField(
        label,
        description=description,
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=40),
            Regexp(
                r"^[0-9A-Za-z][0-9A-Za-z._-]*$",
                message=_l("Mã chỉ gồm chữ không dấu, chữ số và dấu gạch ngang."),
            ),
        ],
    )


def _name():
    return StringField(
        _l("Tên đơn vị"), validators=[DataRequired(message=REQUIRED), Length(max=200)]
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = StringField(_l("Tìm theo tên hoặc mã"), validators=[Length(max=100)])
    closed = BooleanField(_l("Gồm cả đơn vị đã giải thể"))


class ChildForm(FlaskForm):
    name = _name()
    code = _code(_l("Mã đơn vị"), _l("Ví dụ: 75-26248-03 cho ấp số 3 của xã mã 26248."))
    kind = SelectField(
        _l("Loại đơn vị"),
        choices=[SelectChoice(k, KIND_LABELS[k]) for k in CHILD_KINDS],
        default="hamlet",
        validate_choice=False,  # checked below, with a message in the user's words
    )

    def validate_kind(self, field):
        if field.data not in CHILD_KINDS:
            raise ValidationError(_l("Chọn một loại đơn vị trong danh sách."))


class RenameForm(FlaskForm):
    name = _name()


class MoveForm(FlaskForm):
    parent_code = _code(_l("Mã đơn vị cấp trên mới"))


class MergeForm(FlaskForm):
    successor_code = _code(
        _l("Mã đơn vị nhận sáp nhập"),
        _l("Đơn vị này sẽ giải thể; đơn vị cấp dưới và người dùng chuyển sang đơn vị nhận."),
    )


class CloseForm(FlaskForm):
    """Only the CSRF token: the button is the confirmation."""
