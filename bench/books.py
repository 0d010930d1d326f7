"""The benchmarks' books, loaded in bulk: one fund with 500 donors, N receipts
in USD and EUR over 2019 (each with its balanced entry, its donor as source,
as ``record_receipt`` posts it), M travel grants with their commitment,
settlement and PSC entries, and optionally binding pledges with their
receivable entries. Used by bench/statement.py, bench/iati.py and
bench/api_lists.py; Django must be set up and the database migrated.

Rows go straight into the tables the services write, with ``bulk_create``:
entries are inserted as drafts with their legs and posted all at once (the
ledger's guards check each entry as it is posted), then the ledger's day
totals are built from the legs, as ``post_entry`` keeps them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
EUR_RATES = [Decimal("0.870") + Decimal("0.002") * month for month in range(12)]
DONORS = 500
BATCH = 5000


@dataclass
class Books:
    fund: object
    event: object
    officer: object  # a finance officer (a book reader)


def _entries(fund, rows, kind: str, sources=None):
    """Insert entries as drafts with their legs, then post them all at once.
    ``rows``: (date, memo, [(account, debit, credit, original Money, rate)]);
    ``sources``: each entry's source (a model instance) or None."""
    from django.contrib.contenttypes.models import ContentType

    from fundmgr.models import JournalEntry, Leg

    sources = sources or [None] * len(rows)
    entries = JournalEntry.objects.bulk_create(
        JournalEntry(
            fund=fund,
            date=day,
            memo=memo,
            kind=kind,
            system_actor="bench",
            source_type=ContentType.objects.get_for_model(source) if source else None,
            source_id=source.pk if source else None,
        )
        for (day, memo, _legs), source in zip(rows, sources, strict=True)
    )
    Leg.objects.bulk_create(
        Leg(entry=entry, account=account, debit=dr, credit=cr, original=original, rate=rate)
        for entry, (_day, _memo, legs) in zip(entries, rows, strict=True)
        for account, dr, cr, original, rate in legs
    )
    JournalEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=JournalEntry.Status.POSTED
    )
    return entries


def _original(i: int, month: int):
    from fundmgr.money import Money

    euro = i % 3 == 0
    original = Money(Decimal(100 + (i * 7919) % 90000) / 100, "EUR" if euro else "USD")
    rate = EUR_RATES[month] if euro else Decimal(1)
    usd = (original.amount / rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return original, rate, usd


def load_books(
    *,
    receipts: int,
    grants: int,
    pledges: int = 0,
    code: str = "SBENCH",
    grant_entries: str = "summary",
) -> Books:
    """Load the books (module docstring). ``grant_entries``: "summary" posts
    one commitment, one settlement and one PSC entry for all the grants (what
    the statement reads); "each" posts each grant's commitment or settlement
    as its own entry with the grant as source, as the workflow does (what the
    IATI file reads: sums by day and country), and one PSC entry."""
    from django.contrib.auth.models import Group, User

    from donors.models import Donor, Pledge, Receipt
    from fundmgr.chart import AccountKey
    from fundmgr.models import Country, Event, ExchangeRate
    from fundmgr.money import Money
    from fundmgr.roles import Role
    from fundmgr.services.funds import open_fund
    from fundmgr.services.ledger import rebuild_day_totals
    from grants.models import Grant, GrantState, TravelPolicy

    fund = open_fund(
        code=code,
        name="Benchmark fund",
        by="bench",
        psc_rate_pct=Decimal(8),
        psc_from=datetime.date(2018, 1, 1),
        operating_reserve_pct=Decimal(10),
    )
    accounts = {a.key: a for a in fund.accounts.all()}
    if not ExchangeRate.objects.filter(currency="EUR").exists():  # loaded once per database
        ExchangeRate.objects.bulk_create(
            ExchangeRate(
                currency="EUR",
                effective_date=datetime.date(2019, month + 1, 1),
                units_per_usd=rate,
            )
            for month, rate in enumerate(EUR_RATES)
        )
    donors = Donor.objects.bulk_create(
        Donor(
            name=f"Donor {i}",
            kind="member_state",
            email=f"donor{i}.{code.lower()}@example.org",
            listed_publicly=i % 2 == 0,
        )
        for i in range(DONORS)
    )
    for start in range(0, receipts, BATCH):
        rows, made = [], []
        for i in range(start, min(start + BATCH, receipts)):
            month = i % 12
            day = datetime.date(2019, month + 1, 1 + i % 28)
            original, rate, usd = _original(i, month)
            rows.append(
                (
                    day,
                    f"Receipt {i}",
                    [
                        (accounts[AccountKey.BANK], usd, Decimal(0), original, rate),
                        (accounts[AccountKey.CONTRIBUTIONS], Decimal(0), usd, original, rate),
                    ],
                )
            )
            made.append((i, day, original, usd))
        # record_receipt: the entry's source is the donor when there is no pledge.
        entries = _entries(fund, rows, "receipt", [donors[i % DONORS] for i, *_rest in made])
        Receipt.objects.bulk_create(
            Receipt(
                fund=fund,
                number=f"{code}-2019-{i + 1:06d}",
                donor=donors[i % DONORS],
                amount=original,
                value_date=day,
                method="bank",
                base_amount=usd,
                entry=entry,
            )
            for (i, day, original, usd), entry in zip(made, entries, strict=True)
        )
    for start in range(0, pledges, BATCH):
        # Binding pledges awaiting payment, their receivable booked on the pledge date.
        batch, values = [], []
        for i in range(start, min(start + BATCH, pledges)):
            month = i % 12
            original, rate, usd = _original(i + 1, month)
            values.append((rate, usd))
            batch.append(
                Pledge(
                    fund=fund,
                    donor=donors[i % DONORS],
                    amount=original,
                    base_amount=usd,
                    pledge_date=datetime.date(2019, month + 1, 1 + i % 28),
                    method="bank_transfer",
                    reference=f"P{code}{i + 1:07d}",
                    agreement_signed=True,
                    confirmed=True,
                )
            )
        made = Pledge.objects.bulk_create(batch)
        rows = [
            (
                pledge.pledge_date,
                f"Pledge {pledge.reference}",
                [
                    (accounts[AccountKey.PLEDGES_RECEIVABLE], usd, 0, pledge.amount, rate),
                    (accounts[AccountKey.CONTRIBUTIONS], 0, usd, pledge.amount, rate),
                ],
            )
            for pledge, (rate, usd) in zip(made, values, strict=True)
        ]
        entries = _entries(fund, rows, "pledge", made)
        for pledge, entry in zip(made, entries, strict=True):
            pledge.receivable_entry = entry
        Pledge.objects.bulk_update(made, ["receivable_entry"], batch_size=1000)

    event = Event.objects.create(
        code=f"{code[:6]}19",
        name="Benchmark conference",
        fund=fund,
        starts_on=datetime.date(2019, 3, 20),
        ends_on=datetime.date(2019, 3, 22),
        city="Buenos Aires",
        country=Country.objects.get(iso2="AR"),
        eligibility_date=datetime.date(2019, 3, 20),
    )
    TravelPolicy.objects.create(event=event)
    officer = User.objects.filter(username="bench-finance").first()
    if officer is None:  # books loaded twice (bench/api_lists.py's two volumes): one reader
        officer = User.objects.create_user("bench-finance", "finance@example.org", "bench")
        officer.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    ldcs = list(Country.objects.ldc_on(event.eligibility_date).order_by("iso2"))
    rows, committed, spent = [], Decimal(0), Decimal(0)
    for i in range(grants):
        cost = Decimal(1800 + (i * 37) % 1500)
        settled = i % 10 == 0
        actual = cost - 100 if settled else Decimal(0)
        rows.append(
            Grant(
                event=event,
                reference=f"{code}-{i + 1:06d}",
                state=GrantState.SETTLED if settled else GrantState.COMMITTED,
                nominee_name=f"Delegate {i + 1}",
                nominee_title="Director",
                gender="female" if i % 2 else "male",
                person_key=f"delegate {i + 1}",
                country=ldcs[i % len(ldcs)],
                nominated_by=officer,
                note_verbale="notes-verbales/bench.pdf",
                departure_city="Capital",
                departure_airport="AAA",
                depart_on=datetime.date(2019, 3, 18),
                return_on=datetime.date(2019, 3, 23),
                priority=1,
                ldc_on_eligibility_date=True,
                cost=cost,
                psc_pct=Decimal(8),
                psc_amount=(cost * Decimal("0.08")).quantize(CENT),
                approved_amount=cost,
                committed_amount=Decimal(0) if settled else cost,
                actual_cost=actual,
                balance_paid=actual,
            )
        )
        if settled:
            spent += actual
        else:
            committed += cost
    made_grants = Grant.objects.bulk_create(rows, batch_size=2000)
    usd = lambda amount: Money(amount, "USD")  # noqa: E731
    psc = (spent * Decimal("0.08")).quantize(CENT, rounding=ROUND_HALF_UP)
    one = Decimal(1)
    if grant_entries == "each":
        commitments = [g for g in made_grants if g.state == GrantState.COMMITTED]
        settlements = [g for g in made_grants if g.state == GrantState.SETTLED]
        for start in range(0, len(commitments), BATCH):
            chunk = commitments[start : start + BATCH]
            _entries(
                fund,
                [
                    (
                        datetime.date(2019, 3, 1 + n % 10),
                        "Grant committed",
                        [
                            (accounts[AccountKey.COMMITMENTS], g.cost, 0, usd(g.cost), one),
                            (accounts[AccountKey.COMMITMENTS_CONTROL], 0, g.cost, usd(g.cost), one),
                        ],
                    )
                    for n, g in enumerate(chunk, start)
                ],
                "grant-commitment",
                chunk,
            )
        for start in range(0, len(settlements), BATCH):
            chunk = settlements[start : start + BATCH]
            _entries(
                fund,
                [
                    (
                        datetime.date(2019, 4, 15 + n % 10),
                        "Travel claim settled",
                        [
                            (
                                accounts[AccountKey.TRAVEL_EXPENDITURE],
                                g.actual_cost,
                                0,
                                usd(g.actual_cost),
                                one,
                            ),
                            (accounts[AccountKey.BANK], 0, g.actual_cost, usd(g.actual_cost), one),
                        ],
                    )
                    for n, g in enumerate(chunk, start)
                ],
                "grant-settlement",
                chunk,
            )
        summaries = []
    else:
        summaries = [
            (
                "grant-commitment",
                (
                    datetime.date(2019, 3, 1),
                    "Commitments of the grants still open",
                    [
                        (accounts[AccountKey.COMMITMENTS], committed, 0, usd(committed), one),
                        (
                            accounts[AccountKey.COMMITMENTS_CONTROL],
                            0,
                            committed,
                            usd(committed),
                            one,
                        ),
                    ],
                ),
            ),
            (
                "grant-settlement",
                (
                    datetime.date(2019, 4, 15),
                    "Settled travel claims",
                    [
                        (accounts[AccountKey.TRAVEL_EXPENDITURE], spent, 0, usd(spent), one),
                        (accounts[AccountKey.BANK], 0, spent, usd(spent), one),
                    ],
                ),
            ),
        ]
    summaries.append(
        (
            "grant-psc",
            (
                datetime.date(2019, 4, 15),
                "PSC on the settled claims",
                [
                    (accounts[AccountKey.PSC], psc, 0, usd(psc), one),
                    (accounts[AccountKey.BANK], 0, psc, usd(psc), one),
                ],
            ),
        )
    )
    for kind, row in summaries:
        _entries(fund, [row], kind)
    # What post_entry keeps in step with each posting, made once for the bulk load.
    rebuild_day_totals(fund)
    return Books(fund, event, officer)


def scratch_database(settings, connection) -> None:
    """Refuse any database but an empty one or a PostgreSQL one named for
    benchmarks (which is emptied): a bench never touches real books."""
    if connection.introspection.table_names():
        name = str(settings.DATABASES["default"]["NAME"])
        if connection.vendor != "postgresql" or "bench" not in name:
            raise SystemExit(f"{name} is not empty: give a scratch database (name with 'bench')")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def create_if_missing(database_url: str) -> None:
    """A scratch PostgreSQL database named in DATABASE_URL is made if the
    server has none of that name (a new machine); only a name with "bench"."""
    import psycopg
    from psycopg import sql

    server, _slash, name = database_url.rpartition("/")
    if not database_url.startswith("postgres") or "bench" not in name:
        return
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
