"""Gap-free counters for human-facing numbers (receipt numbers)."""

from django.db import models


class Sequence(models.Model):
    name = models.CharField(max_length=60, primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "sequence"

    def __str__(self) -> str:
        return f"{self.name}: {self.last}"
