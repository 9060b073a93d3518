from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user about something that concerns them."""

    # Indexed by (user, id) and (user, read_at) below; an index on user alone only slowed writes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    text = models.CharField(_("内容"), max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The inbox, newest first: with (user, read_at) alone every notice the user
            # had was sorted for a page (132 ms at 300,000).
            models.Index(fields=["user", "id"], name="notice_recent_idx"),
            # The unread badge and 全部标为已读.
            models.Index(fields=["user", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.text
