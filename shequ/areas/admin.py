from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shequ.areas.models import Area
from shequ.areas.services import delete_area, geometry_from_geojson, rename_area, set_geometry
from shequ.core.errors import ValidationFailed


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ("name", "geometry")

    def clean_geometry(self) -> Any:
        # The service's rule: a stored boundary that shapely rejects would break locating
        # problems for every street. A one-feature export is unwrapped, as on the CLI.
        geometry = self.cleaned_data.get("geometry")
        if geometry is None:
            return None
        try:
            return geometry_from_geojson(geometry)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields.get("geometry") or exc.message) from exc


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ("code", "name", "kind", "path")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    readonly_fields = ("path", "depth", "parent", "code", "kind")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # No form gives a new area its code, kind, parent and path (an area saved
        # without them breaks the tree): areas are added with `shequ areas add`.
        return False

    def save_model(self, request: HttpRequest, obj: Area, form: forms.ModelForm, change: bool) -> None:
        if "name" in form.changed_data:
            rename_area(obj, obj.name, actor=request.user)
        if "geometry" in form.changed_data:
            set_geometry(obj, obj.geometry, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Area) -> None:
        # Through the service, so the audit log says who removed which place.
        delete_area(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Area]) -> None:
        # Deepest first: a child chosen with its parent goes before the parent.
        for area in sorted(queryset, key=lambda a: -a.depth):
            delete_area(area, actor=request.user)
