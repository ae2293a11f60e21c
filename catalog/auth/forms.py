"""Forms of the login page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username, password and "remember me", with the page to return to."""

    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=150)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Remember me on this device")
    next = HiddenField()


class LogoutForm(FlaskForm):
    """The logout button: a POST that carries only the CSRF token."""
