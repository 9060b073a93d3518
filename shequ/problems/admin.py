from typing import Any

from django.contrib import admin

from shequ.problems.models import ProblemCategory
from shequ.problems.services import CategoryInput, save_category


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(admin.ModelAdmin):
    """The category catalogue; saving goes through the service, which checks and audits."""

    list_display = (
        "name",
        "code",
        "handling_level",
        "ledger_type",
        "deadline_class",
        "responsible_role",
        "active",
    )
    list_filter = ("handling_level", "ledger_type", "active")
    search_fields = ("name", "code")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        # A category's code is fixed once made (the service keeps it, and links and
        # imports name it): shown, not offered for an edit that would not be saved.
        return ("code",) if obj is not None else ()

    def save_model(self, request: Any, obj: ProblemCategory, form: Any, change: bool) -> None:
        data = CategoryInput(
            name=obj.name,
            handling_level=obj.handling_level,
            ledger_type=obj.ledger_type,
            deadline_class=obj.deadline_class,
            responsible_role=obj.responsible_role,
            active=obj.active,
            sort=obj.sort,
            code=obj.code,
        )
        saved = save_category(request.user, data, obj.pk if change else None)
        obj.pk = saved.pk

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # retire a category by unticking "active"; problems keep theirs
