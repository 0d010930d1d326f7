"""`make production-check`: the production layout on this machine, as several hosts.

Starts, in production mode (FUNDMGR_ENV=production, secrets generated for this
run): a fresh PostgreSQL database, Redis as the shared cache, moto's
S3-compatible server as the object storage, localstripe as Stripe, and the
Procfile under honcho (two application servers on two ports, the task
workers, each worker with its own scratch folder). The mail server is down on
purpose: every e-mail waits in the outbox and nothing a person does fails.

Then drives a journey over HTTP in Chromium: a bank-transfer pledge and a card
pledge (Stripe's signed webhook recorded by a worker), a finance officer's
first sign-in with the second factor, a bank statement imported in the
background (uploaded to one web server, imported by a worker from object
storage), and the reconciliation workbook prepared by a worker and downloaded
from the OTHER web server. Checks the books, then stops everything it started.

Exit status 0 when all of it held; 1 with one line saying what did not, and
the tail of the processes' log.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from base64 import b32decode
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from donors.payments import localstripe_server  # noqa: E402 - after the path

#: This (development) virtualenv: honcho, moto's server, localstripe, Playwright.
BIN = Path(sys.executable).parent
#: The installation's own virtualenv, from requirements-production.lock (no
#: development tools): every process of the installation runs from it.
RUNTIME = Path(os.environ.get("PRODUCTION_CHECK_VENV", ROOT / ".venv-production")) / "bin"
HOST = "127.0.0.1"
PG = os.environ.get("PRODUCTION_CHECK_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("PRODUCTION_CHECK_REDIS", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("FUNDMGR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: The hosts this run stands in for: each is a honcho running some of the
#: Procfile's processes with its own local folders and scratch folder; they
#: share only PostgreSQL, Redis and the object storage. A web server on two of
#: them; the task workers spread over three.
HOSTS = {
    "host-a": ("web", "worker-webhooks", "worker-email"),
    "host-b": ("web", "worker-imports", "worker-default"),
    "host-c": ("worker-exports",),
}
BUCKET = "fundmgr-production-check"
FUND = "UNFSSC"
FUND_NAME = "United Nations Fund for South-South Cooperation"


class CheckFailed(Exception):
    """What did not hold, in one line."""


def say(message: str) -> None:
    print(f"production-check: {message}", flush=True)


def wait_until(what: str, ready, timeout: float = 60.0, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while True:
        answer = ready()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise CheckFailed(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback http
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return 0


class Run:
    """Everything this run starts, so that all of it is stopped whatever happens."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fundmgr-production-check-"))
        self.token = secrets.token_hex(4)
        self.database = f"fundmgr_production_check_{self.token}"
        self.processes: list[subprocess.Popen] = []
        self.stripe: localstripe_server.LocalStripe | None = None
        self.ports = {host: localstripe_server.free_port() for host in HOSTS}
        # honcho gives the Procfile's first process, web, its base port.
        self.aws_key = "AKIA" + secrets.token_hex(8).upper()
        self.aws_secret = secrets.token_urlsafe(30)
        self.webhook_secret = "whsec_" + secrets.token_hex(16)
        self.finance_password = secrets.token_urlsafe(18)
        self.web = [
            f"http://{HOST}:{self.ports[h]}" for h, names in HOSTS.items() if "web" in names
        ]

    # -- services --------------------------------------------------------------
    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def start_object_storage(self) -> str:
        port = localstripe_server.free_port()
        self.spawn([str(BIN / "moto_server"), "-H", HOST, "-p", str(port)], "moto")
        endpoint = f"http://{HOST}:{port}"
        wait_until("the S3 server", lambda: http_status(endpoint) == 200, timeout=30)
        self.s3(endpoint).create_bucket(Bucket=BUCKET)
        return endpoint

    def s3(self, endpoint: str):
        """A client of the run's S3 server, with the run's key."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=self.aws_key,
            aws_secret_access_key=self.aws_secret,
            region_name="us-east-1",
        )

    def spawn(self, command: list[str], name: str, env: dict | None = None) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed argument lists
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped with its children
        )
        self.processes.append(process)
        return process

    # -- the installation's environment ---------------------------------------------
    def environment(self, s3_endpoint: str, stripe: localstripe_server.LocalStripe) -> dict:
        closed_port = localstripe_server.free_port()  # nothing listens: the mail server is down
        env = {
            key: value
            for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER")
        }
        env.update(
            FUNDMGR_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=f"{PG}/{self.database}",
            REDIS_URL=REDIS,
            CACHE_KEY_PREFIX=f"production-check-{self.token}",
            # Plain HTTP on loopback stands in for the TLS proxy (docs/deploy.md).
            SECURE_SSL_REDIRECT="0",
            SECURITY_CONTACT="mailto:security@production-check.example.org",
            STATIC_ROOT=str(self.folder / "static"),
            FUNDMGR_STORAGE="s3",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_S3_ENDPOINT_URL=s3_endpoint,
            AWS_S3_REGION_NAME="us-east-1",
            AWS_ACCESS_KEY_ID=self.aws_key,
            AWS_SECRET_ACCESS_KEY=self.aws_secret,
            DOCUMENTS_ROOT=str(self.folder / "local-documents"),
            IMPORTS_ROOT=str(self.folder / "local-imports"),
            EXPORTS_ROOT=str(self.folder / "local-exports"),
            # Every upload goes to the background, through object storage.
            IMPORT_INLINE_MAX_BYTES="1",
            STRIPE_SECRET_KEY=f"sk_test_{secrets.token_hex(12)}",
            STRIPE_PUBLISHABLE_KEY=f"pk_test_{secrets.token_hex(12)}",
            STRIPE_WEBHOOK_SECRET=self.webhook_secret,
            STRIPE_API_BASE=stripe.api_base,
            STRIPE_JS_URL=stripe.js_url,
            EMAIL_HOST=HOST,
            EMAIL_PORT=str(closed_port),
            EMAIL_USE_TLS="0",
            DEFAULT_FROM_EMAIL="fund@production-check.example.org",
            ADMINS="Operator <operator@production-check.example.org>",
            FUNDMGR_SCRATCH_DIR=str(self.folder / "scratch"),
            LOG_FORMAT="json",
            PYTHONUNBUFFERED="1",
        )
        return env

    def manage(self, env: dict, *arguments: str) -> str:
        done = subprocess.run(  # noqa: S603 - fixed argument lists
            [str(RUNTIME / "python"), "manage.py", *arguments],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            said = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            raise CheckFailed(
                f"manage.py {arguments[0]} exited {done.returncode}: {' | '.join(said[-4:])}"
            )
        return done.stdout

    def start_processes(self, env: dict) -> None:
        """The Procfile under honcho, once per host, each with its own folders."""
        no_dotenv = self.folder / "empty.env"  # never a developer's .env in the checkout
        no_dotenv.write_text("")
        for host, names in HOSTS.items():
            own = self.folder / host
            self.spawn(
                [
                    str(BIN / "honcho"),
                    "--no-colour",
                    "-e",
                    str(no_dotenv),
                    "start",
                    "-f",
                    "Procfile",
                    "-p",
                    str(self.ports[host]),
                    *names,
                ],  # fmt: skip
                host,
                env={
                    **env,
                    # gunicorn and python from the production virtualenv.
                    "PATH": f"{RUNTIME}:{env['PATH']}",
                    "FUNDMGR_SCRATCH_DIR": str(own / "scratch"),
                    # Never used with object storage: checked to stay absent.
                    "DOCUMENTS_ROOT": str(own / "local-documents"),
                    "IMPORTS_ROOT": str(own / "local-imports"),
                    "EXPORTS_ROOT": str(own / "local-exports"),
                },
            )

    def stored_objects(self, endpoint: str) -> dict[str, int]:
        """How many objects the bucket holds under each storage's prefix."""
        client = self.s3(endpoint)
        counted: dict[str, int] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for item in page.get("Contents", []):
                prefix = item["Key"].split("/", 1)[0]
                counted[prefix] = counted.get(prefix, 0) + 1
        return counted

    def local_folders_used(self) -> list[str]:
        """Local folders of any host that something wrote (none should be)."""
        return sorted(
            str(path.relative_to(self.folder))
            for host in HOSTS
            for path in (self.folder / host).glob("local-*")
        )

    def scratch_left(self) -> list[str]:
        """Files left in the hosts' scratch folders (none should be)."""
        return sorted(
            str(path.relative_to(self.folder))
            for host in HOSTS
            for path in (self.folder / host / "scratch").rglob("*")
            if path.is_file()
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self.stripe is not None:
            self.stripe.stop()

    def tail(self, lines: int = 15) -> str:
        said = []
        for host in HOSTS:
            try:
                text = (self.folder / f"{host}.log").read_text(errors="replace").splitlines()
            except OSError:
                continue
            said += [f"--- {host}", *text[-lines:]]
        return "\n".join(said)


def app_code(secret: str, drift: int = 0) -> str:
    from django_otp.oath import totp

    return f"{totp(b32decode(secret), step=30, digits=6, drift=drift):06d}"


def fill_pledge(page, web: str, name: str, kind: str, email: str, amount: str, method: str):
    """From the home page to the appeal's pledge form, filled in EUR and sent."""
    page.goto(f"{web}/")
    page.get_by_role("link", name=re.compile("Support the participation")).click()
    page.get_by_role("link", name="Make a pledge").click()
    page.get_by_label("Name of the donor").fill(name)
    page.get_by_label("Kind of donor").select_option(kind)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Amount", exact=True).fill(amount)
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label(method).check()
    page.get_by_role("button", name="Pledge", exact=True).click()


def journey(run: Run, env: dict) -> dict:
    """Donors and finance over HTTP in Chromium; returns what the books must show."""
    from playwright.sync_api import expect, sync_playwright

    web1, web2 = run.web
    facts: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        donor = browser.new_context(locale="en-GB")
        page = donor.new_page()
        page.set_default_timeout(30_000)

        say(f"a donor pledges 5,000 EUR by bank transfer on {web1}")
        fill_pledge(page, web1, "Fondation Exemple", "philanthropic", "dons@fondation-exemple.org",
                    "5000", "Bank transfer")  # fmt: skip
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your pledge")
        facts["transfer_reference"] = page.locator(".reference").inner_text().strip()

        say(f"a donor pledges 250 EUR by card on {web2}; Stripe's webhook reaches a worker")
        card = browser.new_context(locale="en-GB").new_page()
        card.set_default_timeout(30_000)
        fill_pledge(card, web2, "Card Giver", "individual", "card-giver@example.org", "250",
                    "Card, now")  # fmt: skip
        expect(card.get_by_role("heading", level=1)).to_have_text("Pay by card")
        card.get_by_label("Development card: Visa, paid").check()
        card.get_by_role("button", name=re.compile(r"^Pay ")).click()
        expect(card.get_by_role("heading", level=1)).to_have_text(
            "Thank you: your payment is received", timeout=60_000
        )
        facts["card_receipt"] = card.get_by_role("status").inner_text()

        say("finance signs in for the first time: password, then the second factor")
        staff = browser.new_context(locale="en-GB", accept_downloads=True)
        page = staff.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{web1}/accounts/login/")
        page.get_by_label("Username").fill("finance")
        page.get_by_label("Password").fill(run.finance_password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
        secret = page.get_by_label("Secret key (to type in instead of scanning)").input_value()
        page.get_by_label("Code from the app").fill(app_code(secret))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        page.get_by_role("link", name="I have kept them: continue").click()
        expect(page.get_by_text("Signed in as finance")).to_be_visible()

        say(f"finance uploads a bank statement to {web1}; a worker imports it from storage")
        statement = run.folder / "statement.csv"
        reference = facts["transfer_reference"]
        today = datetime.now(UTC).date().isoformat()
        statement.write_text(
            "value_date,amount,currency,reference,counterparty,bank_ref\n"
            f"{today},5000.00,EUR,{reference},Fondation Exemple,BK-CHECK-1\n"
        )
        page.goto(f"{web1}/finance/{FUND}/bank/import/")
        page.get_by_label(re.compile("^Bank statement")).set_input_files(str(statement))
        page.get_by_role("button", name="Import").click()
        expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
        expect(page.locator("[data-status]")).to_have_attribute(
            "data-status", "done", timeout=90_000
        )
        expect(page.get_by_role("status")).to_contain_text("1 matched")

        say(f"finance asks {web1} for the reconciliation workbook; downloads it from {web2}")
        page.goto(f"{web1}/funds/{FUND}/")
        page.get_by_role("link", name="Excel reconciliation").click()
        page.get_by_label(re.compile("as of", re.I)).fill(datetime.now(UTC).date().isoformat())
        page.get_by_role("button", name="Prepare the workbook").click()
        row = page.locator("tr[data-status]").first
        expect(row).to_have_attribute("data-status", "done", timeout=120_000)
        link = row.get_by_role("link", name="Download").get_attribute("href")
        # The same signed-in person (the context's cookies) asks the other server.
        answer = staff.request.get(f"{web2}{link}")
        if answer.status != 200 or not answer.body().startswith(b"PK"):
            raise CheckFailed(f"{web2}{link} answered {answer.status}, not the workbook")
        workbook = run.folder / "reconciliation.xlsx"
        workbook.write_bytes(answer.body())
        facts["workbook"] = workbook
        browser.close()
    return facts


BOOKS = """
import json
from decimal import Decimal
from django.db.models import Sum
from donors.models import Pledge, Receipt
from fundmgr.models import Fund
from fundmgr.models.mail import OutgoingMail
from fundmgr.services.ledger import account_balances
fund = Fund.objects.get(code={fund!r})
balances = account_balances(fund)
debit = sum((b.debit for b in balances.values()), Decimal(0))
credit = sum((b.credit for b in balances.values()), Decimal(0))
transfer = Pledge.objects.get(reference={reference!r})
print(json.dumps({{
    "transfer_status": transfer.status,
    "transfer_receipts": [str(r.amount.amount) + " " + str(r.amount.currency)
                          for r in Receipt.objects.filter(pledge=transfer)],
    "card_receipts": [str(r.amount.amount) + " " + str(r.amount.currency)
                      for r in Receipt.objects.filter(pledge__donor__name="Card Giver")],
    "debit": str(debit), "credit": str(credit),
    "mail_waiting": OutgoingMail.objects.exclude(status="sent").count(),
}}))
"""


def check_books(run: Run, env: dict, facts: dict) -> None:
    from openpyxl import load_workbook

    books = json.loads(
        run.manage(
            env, "shell", "-c", BOOKS.format(fund=FUND, reference=facts["transfer_reference"])
        )
        .strip()
        .splitlines()[-1]
    )
    if books["transfer_receipts"] != ["5000.000 EUR"] or books["transfer_status"] != "paid":
        raise CheckFailed(f"the bank transfer is not recorded once as paid: {books}")
    if books["card_receipts"] != ["250.000 EUR"]:
        raise CheckFailed(f"the card payment is not recorded once: {books}")
    if Decimal(books["debit"]) != Decimal(books["credit"]):
        raise CheckFailed(f"the trial balance does not balance: {books}")
    if books["mail_waiting"] < 1:
        raise CheckFailed("no e-mail waits in the outbox although the mail server is down")
    run.manage(env, "check_day_totals")
    book = load_workbook(facts["workbook"], read_only=True)
    cells = {
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    if facts["transfer_reference"] not in cells:
        raise CheckFailed("the downloaded workbook does not list the bank-transfer pledge")
    say(
        f"books hold: trial balance {books['debit']} = {books['credit']}, "
        f"{books['mail_waiting']} e-mail(s) waiting for the mail server, day totals agree"
    )


def main() -> int:
    if not (RUNTIME / "gunicorn").exists():
        print(
            f"production-check: no production virtualenv at {RUNTIME.parent} "
            "(make production-check installs requirements-production.lock there)",
            file=sys.stderr,
        )
        return 1
    if not Path(CHROMIUM).exists():
        print(f"production-check: no Chromium at {CHROMIUM}", file=sys.stderr)
        return 1
    run = Run()
    started = time.monotonic()
    try:
        say(f"run folder {run.folder}; database {run.database}")
        run.create_database()
        s3 = run.start_object_storage()
        run.stripe = localstripe_server.start()
        env = run.environment(s3, run.stripe)
        run.stripe.register_webhook(f"{run.web[0]}/stripe/webhook/", run.webhook_secret)

        say("migrate, collectstatic, the demo's fund and people, check --deploy")
        run.manage(env, "migrate", "--noinput")
        run.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        run.manage(env, "load_demo", "--allow-production")
        set_password = (
            "from django.contrib.auth.models import User; "
            "u = User.objects.get(username='finance'); "
            f"u.set_password({run.finance_password!r}); u.save()"
        )
        run.manage(env, "shell", "-c", set_password)
        # As deployed behind the TLS proxy, which the loopback run stands in for.
        run.manage(
            {**env, "SECURE_SSL_REDIRECT": "1"}, "check", "--deploy", "--fail-level", "WARNING"
        )

        say(
            f"honcho starts the Procfile on {len(HOSTS)} hosts: web on {', '.join(run.web)}; "
            "the task workers spread over the three"
        )
        run.start_processes(env)
        for url in run.web:
            wait_until(f"{url}/readyz", lambda url=url: http_status(f"{url}/readyz") == 200, 90)

        facts = journey(run, env)
        check_books(run, env, facts)
        if run.local_folders_used():
            raise CheckFailed(f"local folders were used: {run.local_folders_used()}")
        if run.scratch_left():
            raise CheckFailed(f"files were left in scratch folders: {run.scratch_left()}")
        used = [h for h in HOSTS if (run.folder / h / "scratch").is_dir()]
        if used != ["host-b", "host-c"]:
            raise CheckFailed(f"the import and the export ran on {used}, not host-b and host-c")
        stored = run.stored_objects(s3)
        if stored.get("imports") or not stored.get("exports") or not stored.get("documents"):
            raise CheckFailed(f"the bucket holds {stored}: an upload left, or no export")
        say(
            "the upload was imported on host-b and the workbook built on host-c, each in its "
            f"own scratch folder, left empty; no host's local folders were used; the bucket "
            f"holds {stored}"
        )
        say(f"passed in {time.monotonic() - started:.0f} s")
        return 0
    except CheckFailed as failure:
        print(f"production-check: FAILED: {failure}", file=sys.stderr)
    except Exception as error:  # noqa: BLE001 - any failure is reported in one line
        print(f"production-check: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        run.stop()
        with contextlib.suppress(Exception):
            run.drop_database()
    print(run.tail(), file=sys.stderr)
    print(f"production-check: the processes' logs are in {run.folder}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
