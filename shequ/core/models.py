from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldKeyCheck(models.Model):
    """One row: a check value of the SHEQU_FIELD_KEY this database's personal data is
    sealed with (never the key), so a process started with another key refuses to run
    instead of mixing two keys (core/keycheck.py)."""

    check_value = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("字段加密密钥检查值")
        verbose_name_plural = _("字段加密密钥检查值")

    def __str__(self) -> str:
        return f"字段加密密钥检查值（{self.recorded_at:%Y-%m-%d}）"
