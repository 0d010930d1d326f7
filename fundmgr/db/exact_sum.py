"""A SUM of money columns that is exact on every database.

PostgreSQL sums ``numeric`` exactly. SQLite keeps decimals as binary floating
point and adds them as floats, one rounding per row: over 2,000 legs of up to a
billion dollars the total came out ...986.639 instead of ...986.64, enough to
make a trial balance that balances look as if it did not. On SQLite,
``ExactSum`` adds integers instead: each value scaled to thousandths (the
finest unit the ledger and the money columns store,
``CURRENCY_DECIMAL_PLACES``), rounded, summed as a 64-bit integer, then divided
once. That one division is the only rounding left, and Django's decimal
converter (15 significant digits) undoes it exactly for any total below 10^12
units of a currency with three decimals (10^13 with two), the limit of SQLite
as fundmgr's development database; PostgreSQL has none.

The result is an ordinary SQL number, so ``ExactSum`` may be wrapped like
``Sum`` (``Coalesce``, ``default=``) and converted by Django as usual.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Func, Sum


class ExactSum(Sum):
    """``Sum`` of a decimal expression, exact on SQLite as on PostgreSQL."""

    def as_sqlite(self, compiler, connection, **extra_context):
        scale = 10 ** int(settings.CURRENCY_DECIMAL_PLACES)
        clone = self.copy()
        source, *rest = clone.get_source_expressions()
        clone.set_source_expressions(
            [
                Func(
                    source,
                    template=f"CAST(ROUND(%(expressions)s * {scale}) AS INTEGER)",
                    output_field=self.output_field,
                ),
                *rest,
            ]
        )
        sql, params = Sum.as_sql(clone, compiler, connection, **extra_context)
        return f"({sql} / {scale}.0)", params
