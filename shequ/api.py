"""The JSON API under /api/v1/: one NinjaAPI, one router per app."""

from typing import Any

from ninja import NinjaAPI

from shequ.access.api import router as access_router
from shequ.areas.api import router as areas_router
from shequ.core.api import AUTH, document_conventions, install_error_handlers, refuse_unknown_query
from shequ.notifications.api import router as notifications_router
from shequ.party.api import router as party_router
from shequ.people.api import router as people_router
from shequ.points.api import router as points_router
from shequ.problems.api import router as problems_router
from shequ.registry.api import router as registry_router
from shequ.reports.api import router as reports_router
from shequ.tasks.api import router as tasks_router


class ShequAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return document_conventions(super().get_openapi_schema(*args, **kwargs))


api = ShequAPI(
    title="社区 Shequ API",
    version="1",
    description="网格化社区治理平台的接口。个人信息默认脱敏；错误为 {code, message, fields}。",
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
refuse_unknown_query(api)
api.add_router("", access_router)
api.add_router("", areas_router)
api.add_router("", reports_router)
# Before people: its /residents/export must not be read as /residents/{resident_id}.
api.add_router("", registry_router)
api.add_router("", people_router)
api.add_router("", problems_router)
api.add_router("", tasks_router)
api.add_router("", points_router)
api.add_router("", notifications_router)
api.add_router("", party_router)
