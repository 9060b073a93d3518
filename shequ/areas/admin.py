from django.contrib import admin

from shequ.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "path")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth", "parent", "code", "kind")
