"""Why the sign-in's audit records were written, kept by code and read in
the reader's language (fundmgr.sentences): they were English text."""

from django.utils.translation import gettext_lazy as _

from fundmgr.sentences import define

WRONG_PASSWORD = define(
    "sign-in.wrong-password",
    _("Wrong username or password for “%(username)s” from %(address)s."),
)
LOCKED_OUT = define(
    "sign-in.locked-out",
    _("“%(username)s” locked out from %(address)s (wrong passwords: %(failures)s)."),
)
WRONG_SECOND_FACTOR = define(
    "sign-in.wrong-second-factor", _("Wrong second-factor code from %(address)s.")
)
UNLOCKED = define(
    "sign-in.unlocked",
    _("Unlocked “%(username)s” from %(address)s (failed attempts: %(failures)s)."),
)
AUTHENTICATOR_SET_UP = define("two-factor.set-up", _("Set up an authenticator app."))
NEW_RECOVERY_CODES = define("two-factor.new-codes", _("Made new recovery codes."))
PASSWORD_FROM_LINK = define(
    "password-reset.from-link", _("Set a new password from an e-mailed link.")
)
