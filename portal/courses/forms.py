"""Authoring forms: shape only; the parser decides what a valid course is."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.courses.parser import AUDIENCES, TOPICS
from portal.text import nfc

SLUG_RULE = Regexp(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    message=_l("Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ: so-cuu-duoi-nuoc."),
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewCourseForm(FlaskForm):
    title = StringField(_l("Tên khóa học"), validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        _l("Đường dẫn (để trống để tạo từ tên)"), validators=[Optional(), Length(max=80), SLUG_RULE]
    )


class CopyForm(NewCourseForm):
    pass


class SettingsForm(FlaskForm):
    title = StringField(_l("Tên khóa học"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Tên tiếng Anh"), validators=[Optional(), Length(max=300)])
    summary = TextAreaField(_l("Tóm tắt"), validators=[DataRequired(), Length(max=1000)])
    summary_en = TextAreaField(_l("Tóm tắt tiếng Anh"), validators=[Optional(), Length(max=1000)])
    audiences = MultiCheckboxField(
        _l("Dành cho"),
        choices=[
            ("staff", _l("Cán bộ")),
            ("collaborator", _l("Cộng tác viên")),
            ("partner", _l("Đối tác (giáo viên, y tế, công an)")),
            ("parent", _l("Cha mẹ, người chăm sóc")),
        ],
        validators=[DataRequired(message=_l("Chọn ít nhất một nhóm người học."))],
    )
    topics = MultiCheckboxField(_l("Chủ đề"), choices=[(t, t) for t in TOPICS])
    minutes = IntegerField(
        _l("Thời gian học (phút)"), validators=[DataRequired(), NumberRange(1, 6000)]
    )
    certificate = BooleanField(_l("Cấp chứng nhận khi hoàn thành"))
    validity_months = IntegerField(
        _l("Chứng nhận có hiệu lực (tháng, 0 = không hết hạn)"),
        default=0,
        validators=[NumberRange(0, 120)],
    )
    reviewed = DateField(_l("Ngày rà soát nội dung"), validators=[DataRequired()])
    sources = TextAreaField(_l("Nguồn tài liệu (mỗi dòng một nguồn)"), validators=[DataRequired()])
    overview = TextAreaField(_l("Giới thiệu khóa học (Markdown)"), validators=[Length(max=20000)])

    def meta_dict(self):
        meta = {
            "title": nfc(self.title.data),
            "summary": self.summary.data.strip(),
            "audiences": [a for a in AUDIENCES if a in self.audiences.data],
            "minutes": self.minutes.data,
            "language": "vi",
            "certificate": bool(self.certificate.data),
            "validity_months": self.validity_months.data or 0,
            "reviewed": self.reviewed.data,
            "sources": [s.strip() for s in self.sources.data.splitlines() if s.strip()],
        }
        if self.title_en.data:
            meta["title_en"] = nfc(self.title_en.data)
        if self.summary_en.data:
            meta["summary_en"] = self.summary_en.data.strip()
        if self.topics.data:
            meta["topics"] = list(self.topics.data)
        return meta


class LessonForm(FlaskForm):
    title = StringField(_l("Tên bài học"), validators=[DataRequired(), Length(max=300)])
    slug = StringField(
        _l("Đường dẫn bài học"), validators=[DataRequired(), Length(max=80), SLUG_RULE]
    )
    minutes = IntegerField(_l("Thời gian đọc (phút)"), default=5, validators=[NumberRange(1, 600)])
    body = TextAreaField(_l("Nội dung (Markdown)"), validators=[DataRequired(), Length(max=100000)])


class FileForm(FlaskForm):
    text = TextAreaField(_l("Nội dung"), validators=[Length(max=200000)])


class UploadForm(FlaskForm):
    image = FileField(_l("Ảnh (PNG, JPEG, WebP, GIF)"), validators=[FileRequired()])


class ImportForm(FlaskForm):
    archive = FileField(_l("Tệp zip của khóa học"), validators=[FileRequired()])
