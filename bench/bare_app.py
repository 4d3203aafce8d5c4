"""The yardstick: a bare Flask route rendering a 5 KB Jinja template (DESIGN §8)."""

from flask import Flask, render_template_string

ROWS = [f"Dòng nội dung số {i}: một câu tiếng Việt có dấu để đo." for i in range(80)]
TEMPLATE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1>
{% for row in rows %}<p>{{ row }}</p>
{% endfor %}</body></html>"""

app = Flask(__name__)


@app.get("/")
def page():
    return render_template_string(TEMPLATE, title="Bài học mẫu", rows=ROWS)
