from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shequ.access.models import RoleAssignment, User
from shequ.access.services import deactivate_user


class AssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ("role", "path", "created_at")
    readonly_fields = ("role", "path", "created_at")
    can_delete = False


@admin.register(User)
class ShequUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "is_active", "last_login")
    fieldsets = ((None, {"fields": ("username", "password", "display_name", "is_active")}),)
    raw_id_fields = ("resident",)
    inlines = [AssignmentInline]

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        # Unticking 有效 stops the account as `shequ user disable` does: the service gives
        # back its open problems and unproved claims, revokes its keys and audits it.
        stopping = change and "is_active" in form.changed_data and not obj.is_active
        if stopping:
            obj.is_active = True  # the service turns it off, with the rest
        super().save_model(request, obj, form, change)
        if stopping:
            deactivate_user(obj, actor=request.user)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Someone who left is stopped (untick 有效), not deleted: the problems in their
        # hands go back with a 退回 step, and their assignments and records stay.
        return False
