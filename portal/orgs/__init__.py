"""Administrative units: a tree of any depth with lineage (DESIGN §4)."""
