def list_catalog(user, limit=None):
    return []
