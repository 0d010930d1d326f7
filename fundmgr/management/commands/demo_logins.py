from fundmgr.demo import DEMO_LOGINS, DEMO_PASSWORD
from fundmgr.management.base import OperatorCommand


class Command(OperatorCommand):
    help = "Print the address of the development server and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, port: str, **options):
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"fundmgr is starting at http://127.0.0.1:{port}/"))
        out.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            out.write(f"  {login.username:<9} {', '.join(login.roles):<36} {login.what}")
        out.write("")
