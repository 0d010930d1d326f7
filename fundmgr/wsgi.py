import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fundmgr.settings")
application = get_wsgi_application()

# Before the first request: the collation table takes 0.7 s to read.
from fundmgr.collation import warm_up  # noqa: E402

warm_up()
