"""Shequ's URLs plus /bench/insert/: one INSERT in one transaction, nothing else, so the
create benchmark can compare the real endpoint with the bare cost of the same stack."""

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from shequ.urls import urlpatterns as shequ_urls


@csrf_exempt
def bare_insert(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (at, payload) VALUES (%s, %s)",
            [timezone.now().isoformat(), request.body[:500].decode()],
        )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [path("bench/insert/", bare_insert), *shequ_urls]
