"""Forms for requirements and sessions: shape only."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

STAFF_POSITIONS = [
    ("commune_officer", _l("Cán bộ xã phụ trách trẻ em")),
    ("commune_leader", _l("Lãnh đạo xã")),
    ("collaborator", _l("Cộng tác viên trẻ em")),
    ("partner", _l("Đối tác (giáo viên, y tế, công an)")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequirementForm(FlaskForm):
    course = SelectField(_l("Khóa học"), validators=[DataRequired()])
    unit = StringField(
        _l("Mã đơn vị (áp dụng cho đơn vị này và các đơn vị trực thuộc)"),
        validators=[DataRequired(), Length(max=40)],
    )
    positions = MultiCheckboxField(
        _l("Áp dụng cho"),
        choices=STAFF_POSITIONS,
        validators=[DataRequired(message=_l("Chọn ít nhất một chức danh."))],
    )
    first_due_on = DateField(_l("Hạn hoàn thành lần đầu"), validators=[DataRequired()])
    attendance_counts = BooleanField(_l("Dự buổi tập huấn trực tiếp cũng được tính"))
    note = TextAreaField(_l("Ghi chú"), validators=[Length(max=1000)])


class SessionForm(FlaskForm):
    course = SelectField(_l("Khóa học"), validators=[DataRequired()])
    unit = StringField(_l("Mã đơn vị tổ chức"), validators=[DataRequired(), Length(max=40)])
    day = DateField(_l("Ngày"), validators=[DataRequired()])
    start = TimeField(_l("Giờ bắt đầu"), validators=[DataRequired()])
    end = TimeField(_l("Giờ kết thúc"), validators=[DataRequired()])
    place = StringField(_l("Địa điểm"), validators=[DataRequired(), Length(max=300)])


class PaperPersonForm(FlaskForm):
    full_name = StringField(_l("Họ tên"), validators=[DataRequired(), Length(max=200)])
    position = SelectField(_l("Chức danh"), choices=STAFF_POSITIONS)
