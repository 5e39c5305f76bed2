"""Strings that templates translate from a value, which the extractor cannot see:
`_(m.status)` (account/profile.html, people/person.html) and `_(error.name)` (error.html).
Listed here only so `scripts/i18n` extracts them; never imported."""


def N_(text: str) -> str:  # noqa: N802  (the conventional "mark, do not translate" name)
    return text


MEMBERSHIP_STATUSES = (N_("pending"), N_("confirmed"), N_("rejected"), N_("ended"))

# Werkzeug's names for the error codes ldptrain renders with its own page (web.py).
HTTP_ERRORS = (N_("Bad Request"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
               N_("Gone"), N_("Request Entity Too Large"), N_("Too Many Requests"),
               N_("Internal Server Error"))
