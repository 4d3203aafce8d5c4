"""Named signals that let a lower package announce what a higher one reacts to (DESIGN §2).

Receivers run inside the sender's transaction: they add and flush, never commit.
"""

from blinker import Namespace

_signals = Namespace()

# sender: None; kwargs: user, course_slug, lesson_slug
lesson_completed = _signals.signal("lesson-completed")
# sender: None; kwargs: user, course_slug, status (CourseStatus), version (CourseVersion)
course_completed = _signals.signal("course-completed")
# sender: None; kwargs: predecessors (list of unit ids), successor (unit id)
units_merged = _signals.signal("units-merged")
# sender: None; kwargs: user (its personal data is being erased: scrub copies of it)
user_erased = _signals.signal("user-erased")
# sender: None; kwargs: unit. Receivers return how many people still belong to the unit,
# so a lower package can refuse to close a unit that a higher one still uses.
unit_closing = _signals.signal("unit-closing")
