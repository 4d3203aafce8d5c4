"""Training requirements, in-person sessions and compliance (DESIGN §4, §10.2)."""
