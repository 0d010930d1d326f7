"""Staff sign-in: lockout after wrong passwords (django-axes), a second factor
(django-otp), password reset by e-mail, and session limits. Everything the
issue's "trust at the edges" asks of signing in lives here; the audit of
sign-in events goes to the one append-only trail (fundmgr.services.audit)."""
