"""Account forms: shape only; services decide what is allowed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from portal.accounts import passwords

ROLE_LABELS = {
    "learner": _l("Học viên"),
    "trainer": _l("Giảng viên"),
    "manager": _l("Quản lý, giám sát"),
    "admin": _l("Quản trị viên"),
}
POSITION_LABELS = {
    "commune_officer": _l("Cán bộ xã"),
    "commune_leader": _l("Lãnh đạo xã"),
    "collaborator": _l("Cộng tác viên thôn, ấp"),
    "partner": _l("Đối tác (giáo viên, y tế, công an)"),
    "parent": _l("Cha mẹ, người chăm sóc trẻ"),
}
LOCALE_LABELS = {"vi": "Tiếng Việt", "en": "English"}

REQUIRED = _l("Vui lòng điền mục này.")


def _required():
    return DataRequired(message=REQUIRED)


def password_rule(form, field):
    """8 characters or more and not on the common list; no composition rules."""
    reason = passwords.problem(field.data or "")
    if reason:
        raise ValidationError(reason)


def _name():
    return StringField(_l("Họ và tên"), validators=[_required(), Length(max=200)])


def _new_password():
    return PasswordField(
        _l("Mật khẩu mới"),
        description=_l("Ít nhất 8 ký tự. Nên dùng một câu ngắn dễ nhớ."),
        validators=[_required(), password_rule],
    )


def _confirm(other):
    return PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[_required(), EqualTo(other, message=_l("Hai mật khẩu không giống nhau."))],
    )


class LoginForm(FlaskForm):
    login = StringField(
        _l("Số điện thoại hoặc thư điện tử"),
        validators=[_required(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[_required(), Length(max=passwords.MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Ghi nhớ đăng nhập trên máy này"))
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(
        _l("Mã 6 số trong ứng dụng xác thực"),
        validators=[_required(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RegisterForm(FlaskForm):
    full_name = _name()
    login = StringField(
        _l("Số điện thoại (hoặc thư điện tử)"),
        description=_l("Bạn sẽ dùng số này để đăng nhập."),
        validators=[_required(), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "tel"},
    )
    commune_q = StringField(_l("Tìm xã, phường theo tên"), validators=[Optional(), Length(max=100)])
    commune = SelectField(_l("Xã, phường nơi bạn sống"), validators=[_required()])
    hamlet = SelectField(_l("Thôn, ấp, tổ dân phố"), validate_choice=False)
    password = PasswordField(
        _l("Mật khẩu"),
        description=_l("Ít nhất 8 ký tự. Nên dùng một câu ngắn dễ nhớ."),
        validators=[_required(), password_rule],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        _l("Tôi đã đọc và đồng ý với cách trang web giữ thông tin của tôi."),
        validators=[DataRequired(message=_l("Bạn cần đồng ý để tạo tài khoản."))],
    )

    def validate_hamlet(self, field):
        offered = {value for value, _label in field.choices if value}
        if offered and field.data not in offered:
            raise ValidationError(_l("Hãy chọn thôn, ấp hoặc tổ dân phố nơi bạn sống."))


class NameForm(FlaskForm):
    full_name = _name()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Mật khẩu hiện tại"),
        validators=[_required()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password()
    confirm = _confirm("new_password")


class NewPasswordForm(FlaskForm):
    new_password = _new_password()
    confirm = _confirm("new_password")


class ForgotForm(FlaskForm):
    email = StringField(
        _l("Thư điện tử của tài khoản"), validators=[DataRequired(), Length(max=254)]
    )


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Ngôn ngữ"), choices=list(LOCALE_LABELS.items()))


class PublicVerificationForm(FlaskForm):
    public_verification = BooleanField(
        _l("Cho phép người khác kiểm tra chứng nhận của tôi bằng mã trên giấy chứng nhận")
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Nhập mật khẩu để xác nhận"),
        validators=[_required()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("Tôi hiểu việc xóa tài khoản không thể hoàn tác."),
        validators=[DataRequired(message=_l("Hãy đánh dấu để xác nhận."))],
    )


class TotpDisableForm(FlaskForm):
    password = PasswordField(
        _l("Nhập mật khẩu để tắt"),
        validators=[_required()],
        render_kw={"autocomplete": "current-password"},
    )


# Managing people (admins, trainers)


def _position_choices(blank):
    first = [("", blank)] if blank else []
    return first + list(POSITION_LABELS.items())


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Tìm theo tên, số điện thoại, thư điện tử"), validators=[Length(max=100)])
    unit = StringField(_l("Mã đơn vị"), validators=[Length(max=40)])
    role = SelectField(
        _l("Vai trò"), choices=[("", _l("Tất cả"))] + list(ROLE_LABELS.items()), default=""
    )


class UserForm(FlaskForm):
    full_name = _name()
    login = StringField(
        _l("Số điện thoại hoặc thư điện tử"),
        description=_l("Để trống với người học trên giấy, không đăng nhập."),
        validators=[Optional(), Length(max=254)],
    )
    unit_code = StringField(
        _l("Mã đơn vị"),
        description=_l("Ví dụ 26734 cho một xã, 75-26734-03 cho một ấp."),
        validators=[Optional(), Length(max=40)],
    )
    position = SelectField(_l("Chức danh"), choices=_position_choices(_l("(không có)")))


class UserCreateForm(UserForm):
    role = SelectField(_l("Vai trò"), choices=list(ROLE_LABELS.items()), default="learner")


class RoleForm(FlaskForm):
    role = SelectField(_l("Vai trò mới"), choices=list(ROLE_LABELS.items()))


class ImportForm(FlaskForm):
    file = FileField(
        _l("Tệp danh sách (CSV UTF-8 hoặc XLSX)"),
        validators=[FileRequired(message=_l("Hãy chọn một tệp."))],
    )
    unit_code = StringField(
        _l("Mã đơn vị mặc định (cho các dòng không ghi đơn vị)"),
        validators=[Optional(), Length(max=40)],
    )


class ImportConfirmForm(FlaskForm):
    """Carries the previewed file back, so no server keeps it on disk between the steps."""

    payload = HiddenField(validators=[DataRequired()])
    filename = HiddenField()
    unit_code = HiddenField()
