from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import path

from shequ.access import views as access_views
from shequ.api import api
from shequ.areas import views as area_views
from shequ.people import views as people_views
from shequ.reports import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("login/", access_views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("areas/<str:code>/", area_views.area_detail, name="area"),
    path("residents/", people_views.resident_list, name="residents"),
    path("residents/<int:resident_id>/", people_views.resident_detail, name="resident"),
    path("residents/<int:resident_id>/unmask/", people_views.resident_unmask, name="resident_unmask"),
    path("households/<int:household_id>/", people_views.household_detail, name="household"),
    path("audit/", access_views.audit_log, name="audit_log"),
    path("audit/verify/", access_views.audit_verify, name="audit_verify"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
