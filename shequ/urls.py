from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import path

from shequ.access import views as access_views
from shequ.api import api
from shequ.areas import views as area_views
from shequ.notifications import views as notification_views
from shequ.party import views as party_views
from shequ.people import views as people_views
from shequ.points import views as point_views
from shequ.problems import open311
from shequ.problems import views as problem_views
from shequ.registry import views as registry_views
from shequ.reports import views as report_views
from shequ.tasks import views as task_views

handler400 = "shequ.core.errorpages.bad_request"
handler500 = "shequ.core.errorpages.server_error"

urlpatterns = [
    # First: every API call resolves through this list, and the pages' patterns never
    # begin with api/ (it saves trying ~75 patterns on each call).
    path("api/v1/", api.urls),
    path("", report_views.home, name="home"),
    path("login/", access_views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", access_views.password_change, name="password_change"),
    path("areas/<str:code>/", area_views.area_detail, name="area"),
    path("residents/", people_views.resident_list, name="residents"),
    path("residents/export/", registry_views.resident_export, name="residents_export"),
    path("residents/<int:resident_id>/", people_views.resident_detail, name="resident"),
    path("residents/<int:resident_id>/unmask/", people_views.resident_unmask, name="resident_unmask"),
    path("residents/<int:resident_id>/name/", people_views.resident_rename, name="resident_rename"),
    path("residents/<int:resident_id>/party/", people_views.resident_party, name="resident_party"),
    path(
        "residents/<int:resident_id>/id-number/", people_views.resident_id_number, name="resident_id_number"
    ),
    path("households/<int:household_id>/", people_views.household_detail, name="household"),
    path("households/<int:household_id>/visits/new/", people_views.visit_new, name="visit_new"),
    path("visits/", people_views.visit_list, name="visits"),
    path("visits/export/", registry_views.visit_export, name="visits_export"),
    path("visits/unvisited/export/", registry_views.unvisited_export, name="visits_unvisited_export"),
    path("visits/coverage/", people_views.visit_coverage, name="visits_coverage"),
    path("visits/unvisited/", people_views.visit_unvisited, name="visits_unvisited"),
    path("visits/<int:visit_id>/", people_views.visit_detail, name="visit"),
    path("visits/needs/<int:need_id>/problem/", people_views.visit_need_problem, name="visit_need_problem"),
    path("floating/", people_views.floating_list, name="floating"),
    path("floating/landlords/", people_views.floating_landlords, name="floating_landlords"),
    path("floating/landlords/export/", registry_views.landlords_export, name="floating_landlords_export"),
    path("floating/export/", registry_views.floating_export, name="floating_export"),
    path("care/export/", registry_views.care_export, name="care_export"),
    path("residents/<int:resident_id>/floating/", people_views.floating_edit, name="floating_edit"),
    path("care/", people_views.care_list, name="care"),
    path("residents/<int:resident_id>/care/", people_views.care_records, name="care_records"),
    path("audit/", access_views.audit_log, name="audit_log"),
    path("audit/verify/", access_views.audit_verify, name="audit_verify"),
    path("problems/", problem_views.board, name="problems"),
    path("problems/overview/", problem_views.overview, name="problems_overview"),
    path("problems/mine/", problem_views.mine, name="problems_mine"),
    path("problems/inbox/", problem_views.inbox, name="problems_inbox"),
    path("problems/new/", problem_views.report, name="problems_report"),
    path("problems/nearby/", problem_views.nearby, name="problems_nearby"),
    path("problems/map/", problem_views.problem_map, name="problems_map"),
    path("problems/<int:problem_id>/", problem_views.detail, name="problem"),
    path("problems/<int:problem_id>/act/", problem_views.act, name="problem_act"),
    path("problems/<int:problem_id>/follow/", problem_views.follow, name="problem_follow"),
    path("problems/photos/<int:photo_id>/", problem_views.photo, name="problem_photo"),
    path("problems/ledgers/", problem_views.ledgers, name="problems_ledgers"),
    path("problems/categories/", problem_views.categories, name="problems_categories"),
    path("problems/counts/", problem_views.counts, name="problems_counts"),
    path("problems/agenda/", problem_views.agenda, name="problems_agenda"),
    path("problems/ledgers/export/", problem_views.ledgers_export, name="problems_ledgers_export"),
    path("problems/reports/", problem_views.reports, name="problems_reports"),
    path("problems/reports/<int:run_id>/", problem_views.report_progress, name="problems_report_progress"),
    path("problems/reports/<int:run_id>/submit/", problem_views.report_submit, name="problems_report_submit"),
    path(
        "problems/reports/<int:run_id>/<str:kind>/",
        problem_views.report_download,
        name="problems_report_download",
    ),
    path("tasks/", task_views.board, name="tasks"),
    path("tasks/mine/", task_views.mine, name="tasks_mine"),
    path("tasks/new/", task_views.new, name="tasks_new"),
    path("tasks/queue/", task_views.queue, name="tasks_queue"),
    path("tasks/monthly/", task_views.monthly, name="tasks_monthly"),
    path("tasks/monthly/<int:list_id>/act/", task_views.monthly_act, name="tasks_monthly_act"),
    path("tasks/resources/", task_views.resources, name="tasks_resources"),
    path("party/dual/", party_views.dual, name="party_dual"),
    path("party/dual/<int:registration_id>/end/", party_views.dual_end, name="party_dual_end"),
    path("tasks/units/<int:unit_id>/unmask/", task_views.unit_unmask, name="tasks_unit_unmask"),
    path("tasks/units/<int:unit_id>/offer/", task_views.unit_offer, name="tasks_unit_offer"),
    path("tasks/teams/<int:team_id>/members/", task_views.team_members, name="tasks_team_members"),
    path("tasks/<int:task_id>/", task_views.detail, name="task"),
    path("tasks/<int:task_id>/edit/", task_views.edit, name="task_edit"),
    path("tasks/<int:task_id>/act/", task_views.act, name="task_act"),
    path("tasks/<int:task_id>/attachments/", task_views.attachments_add, name="task_attachments"),
    path("tasks/claims/<int:claim_id>/", task_views.claim_detail, name="task_claim"),
    path("tasks/claims/<int:claim_id>/act/", task_views.claim_act, name="task_claim_act"),
    path("tasks/proofs/<int:proof_id>/", task_views.proof_file, name="task_proof"),
    path("tasks/attachments/<int:attachment_id>/", task_views.attachment_file, name="task_attachment"),
    path("points/", point_views.my_points, name="points"),
    path("points/store/", point_views.store, name="points_store"),
    path("points/store/redeem/", point_views.redeem, name="points_redeem"),
    path("points/orders/", point_views.my_orders, name="points_orders"),
    path("points/orders/<int:order_id>/", point_views.order_detail, name="points_order"),
    path("points/orders/<int:order_id>/act/", point_views.order_act, name="points_order_act"),
    path("points/fulfil/", point_views.fulfil, name="points_fulfil"),
    path("points/fulfil/bulk/", point_views.fulfil_bulk, name="points_fulfil_bulk"),
    path("points/catalogue/", point_views.catalogue, name="points_catalogue"),
    path("points/windows/<int:window_id>/", point_views.window_act, name="points_window_act"),
    path("points/catalogue/<int:item_id>/stock/", point_views.item_stock, name="points_item_stock"),
    path("points/service/", point_views.service, name="points_service"),
    path("points/reversals/", point_views.reversals, name="points_reversals"),
    path("points/accounts/", point_views.accounts, name="points_accounts"),
    path("points/accounts/open/", point_views.account_open, name="points_account_open"),
    path("points/accounts/<int:account_id>/", point_views.account_detail, name="points_account"),
    path("points/rankings/", point_views.rankings, name="points_rankings"),
    path("points/notice/<str:code>/", point_views.notice, name="points_notice"),
    path("registry/import/", registry_views.import_start, name="registry_import"),
    path("registry/import/template/", registry_views.import_template, name="registry_import_template"),
    path("registry/import/<int:run_id>/", registry_views.import_run, name="registry_import_run"),
    path(
        "registry/import/<int:run_id>/progress/",
        registry_views.import_progress,
        name="registry_import_progress",
    ),
    path(
        "registry/import/<int:run_id>/confirm/", registry_views.import_confirm, name="registry_import_confirm"
    ),
    path("registry/import/<int:run_id>/errors/", registry_views.import_errors, name="registry_import_errors"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/read/", notification_views.read_all, name="notifications_read"),
    path("notifications/<int:notice_id>/open/", notification_views.open_notice, name="notification_open"),
    # Open311 GeoReport v2 (docs/problems.md): the format is the name's suffix.
    path("open311/v2/discovery.<str:fmt>", open311.discovery, name="open311_discovery"),
    path("open311/v2/services.<str:fmt>", open311.service_list, name="open311_services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="open311_service"),
    path("open311/v2/requests.<str:fmt>", open311.service_requests, name="open311_requests"),
    path("open311/v2/requests/<str:request_id>.<str:fmt>", open311.request_detail, name="open311_request"),
    path("open311/v2/media/<int:photo_id>.jpg", open311.media, name="open311_media"),
    path("admin/", admin.site.urls),
]
