"""The one base class of the errors services raise for people to read (a rule said no).

Views catch `ServiceError` in one place (`web.transaction.step`): the writes of the failed step
are undone and its message shown; nothing else of the request is lost.
"""


class ServiceError(Exception):
    """A rule refused the change; `str(error)` is a message for the person who asked."""
