"""``{% shown text writer_id as name %}``: free text as the page's viewer may see it, with
the ID and phone numbers typed into it masked for everyone but its writer
(``access.masking.shown_to``, as the problem and task pages do in their views)."""

from typing import Any

from django import template

from shequ.access.masking import shown_to

register = template.Library()


@register.simple_tag(takes_context=True)
def shown(context: Any, text: str, writer_id: int | None = None) -> str:
    request = context.get("request")
    return shown_to(getattr(request, "user", None), writer_id, text or "")
