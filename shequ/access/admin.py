from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shequ.access.models import RoleAssignment, User


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
