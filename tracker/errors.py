"""The one exception type a user is allowed to see."""


class UserError(Exception):
    """A mistake in the user's input or request.

    The CLI prints the message on one line (no traceback) and exits with 1;
    the web app shows it on the page. The message is Korean and names what is
    wrong (the file, the line, the value) so the user can fix it.
    """
