# The reports tests use the training fixtures: one course, a trainer, a requirement.
from tests.training.conftest import complete, course, requirement, trainer  # noqa: F401
