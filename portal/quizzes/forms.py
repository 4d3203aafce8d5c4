"""Quiz forms: shape only. The answer sheet itself is read by grading.read_answers."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.quizzes.services import MAX_GRANT


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


class GrantForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])
    extra = IntegerField(
        _l("Số lượt làm bài thêm"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_GRANT)],
    )
    reason = StringField(_l("Lý do"), validators=[DataRequired(), Length(max=300)])
