from tests.test_access_matrix import ALL

RULES = [
    ("main.index", "GET", "/", ALL(200)),
    ("main.healthz", "GET", "/healthz", ALL(200)),
    ("main.privacy", "GET", "/privacy", ALL(200)),
    ("main.set_language", "POST", "/language", ALL(302)),
    ("main.choose_language", "GET", "/language/en?next=/courses/", ALL(302)),
]
