from flask import Blueprint, render_template

bp = Blueprint("courses", __name__, url_prefix="/courses")


@bp.get("/")
def catalog():
    return render_template("errors/error.html", code=200, message="")
