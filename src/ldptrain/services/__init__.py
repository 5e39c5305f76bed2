"""Domain services: every rule and every write lives here. Views call these; never the reverse."""
