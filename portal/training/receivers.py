"""When units merge, requirements and sessions follow the successor."""

from portal import signals
from portal.training import services


def connect(app):
    signals.units_merged.connect(services.move_to_successor)
