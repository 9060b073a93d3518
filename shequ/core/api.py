"""The JSON API's shared pieces: authentication and the one error shape."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from django.db import DataError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, security
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from shequ.core.errors import BUSY_MESSAGE, DomainError, InvalidBody, ValidationFailed
from shequ.core.filters import unknown_choices
from shequ.core.numbers import ID_MAX, INT_MAX


def _not_true_or_false(value: Any) -> Any:
    # Pydantic takes JSON true as 1: an order of item #1, a one-star rating.
    if isinstance(value, bool):
        raise PydanticCustomError("int_from_bool", "a boolean is not a whole number")
    return value


def _no_true_or_false(value: Any) -> Any:
    # Pydantic takes JSON true as 1.0: a longitude of 1 degree.
    if isinstance(value, bool):
        raise PydanticCustomError("float_from_bool", "a boolean is not a number")
    return value


# A number with a fraction (a longitude): not true or false.
Real = Annotated[float, BeforeValidator(_no_true_or_false)]
# A whole number in a request body: not true or false, nor a fraction (5.5). Text of
# digits is still taken: a form, as the problem transitions take, sends numbers so.
Integer = Annotated[int, BeforeValidator(_not_true_or_false)]
# Bounded by what the database keeps, so that one too large is refused with its field
# named instead of failing in the database. The services check the meaning (a price
# above 0, a quantity up to 99) with their own messages.
Number = Annotated[Integer, Field(ge=-INT_MAX, le=INT_MAX)]
Ref = Annotated[Integer, Field(ge=-ID_MAX, le=ID_MAX)]


class Body(Schema):
    """A request body: a field the endpoint does not read is refused (422, the field named)
    rather than dropped without a word. A misspelt or misplaced field (``{"qty": 3}`` for
    an order, ``{"active": false}`` sent to the item's PATCH instead of its shelf) was
    answered as done, with the default or the old value kept."""

    model_config = ConfigDict(extra="forbid")


UNKNOWN_FIELD = "该接口没有这个字段（请检查拼写），本次未执行"
# A browser session posting an endpoint as a form sends its CSRF token among the fields.
FORM_ONLY = frozenset({"csrfmiddlewaretoken"})


def unknown_fields(sent: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """The same for an endpoint that reads its body itself: each field sent that it does
    not read, named."""
    read = set(known) | FORM_ONLY
    return {str(name)[:40]: UNKNOWN_FIELD for name in sent if name not in read}


def unread_parts(request: HttpRequest, fields: Iterable[str], files: str) -> dict[str, str]:
    """``unknown_fields`` of a form that carries files: each field it does not read, and
    each file part sent under another name than ``files`` (photos sent as ``photo`` were
    dropped, and the report saved without them)."""
    unread = unknown_fields(request.POST, fields)  # empty for a JSON body
    for name in request.FILES:
        if name != files:
            unread[str(name)[:40]] = f"{UNKNOWN_FIELD}；文件请放在 {files} 中上传"
    return unread


def invalid(fields: dict[str, str]) -> ValidationFailed:
    """Pydantic's errors checked by a handler itself, said as the 422 handler says them:
    the message names each field, not only why ("必须是整数" of which field?)."""
    return ValidationFailed(fields, "请求参数有误：" + "；".join(f"{k}：{v}" for k, v in fields.items()))


def one_of(values: Iterable[str]) -> Any:
    """For ``Annotated[str, one_of(Model.Choices.values)]`` in a schema: a text field whose
    values the OpenAPI document lists as an enum, so that a client can learn them. Only
    the document changes: the value is still checked by the service, which names the field
    in Chinese (pydantic's own enum check would answer 422 in its words). Take the values
    from the TextChoices or the lifecycle table, never a copy."""
    return Field(json_schema_extra={"enum": [str(v) for v in values]})


def one_of_query(values: Iterable[str], default: Any = "") -> Any:
    """The same for a query parameter, as its default (``status: str = one_of_query(...)``;
    ``Annotated`` would not do: a paginated handler's annotations are resolved in
    django-ninja's namespace). A blank default means no filter and is not listed, as it
    is not one of the values; ``choice`` checks the value."""
    from ninja.params.models import Query

    listed = [str(v) for v in values]

    def document(schema: dict[str, Any]) -> None:
        schema["enum"] = listed
        if schema.get("default") == "":
            del schema["default"]

    param = Query(default)
    param.json_schema_extra = document  # type: ignore[assignment]
    return param


def choice(field: str, label: str, value: str, allowed: Iterable[str]) -> None:
    """A list filter's value must be one of ``allowed`` (blank: no filter): an unknown one
    is named, not answered with an empty list that looks like "nothing there"."""
    errors = unknown_choices([(field, label, value, allowed)])
    if errors:
        raise ValidationFailed(errors)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from shequ.access.tokens import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(security.SessionAuth):
    """A signed-in page session, with ninja's CSRF check (named as ninja's class: the
    OpenAPI document names the scheme after it). Without one (no cookie, or a session
    that ended) the check guards nothing: the caller is told 401 unauthenticated, not
    that its CSRF header is missing (a dead token fell through to the check, and a client
    that renews its token on 401 never did)."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), SessionAuth()]

_MESSAGES = {
    "missing": "必填",
    "int_parsing": "必须是整数",
    "string_type": "必须是文本",
    "int_type": "必须是整数",
    "json_invalid": "不是有效的 JSON",
    "enum": "不在可选范围内",
    "literal_error": "不在可选范围内",
    "string_too_long": "太长",
    "string_too_short": "太短",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "float_parsing": "必须是数字",
    "float_type": "必须是数字",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "date_parsing": "必须是日期，如 2026-11-22",
    "date_from_datetime_parsing": "必须是日期，如 2026-11-22",
    "date_type": "必须是日期，如 2026-11-22",
    "datetime_parsing": "必须是日期和时间，如 2026-11-22T09:30",
    "datetime_from_date_parsing": "必须是日期和时间，如 2026-11-22T09:30",
    "datetime_type": "必须是日期和时间，如 2026-11-22T09:30",
    "list_type": "必须是列表",
    "dict_type": "必须是对象",
    "model_type": "必须是对象",
    "int_from_float": "必须是整数",
    "int_from_bool": "必须是整数，不能是 true 或 false",
    "float_from_bool": "必须是数字，不能是 true 或 false",
    "extra_forbidden": UNKNOWN_FIELD,
}


def field_errors(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Pydantic's errors as ``{field: Chinese message}``, for a handler that validates itself."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        name = ".".join(loc) or "body"
        fields[name] = _MESSAGES.get(err.get("type", ""), "格式不正确").format(**err.get("ctx") or {})
    return fields


def error(
    request: HttpRequest,
    api: NinjaAPI,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


UNKNOWN_QUERY = "该接口没有这个参数（请检查拼写）"
ONE_VALUE = "只能给一个值，要看几种请分几次查询"


def query_names(operation: Any) -> set[str]:
    """The query parameters an operation reads (its page number too)."""
    from ninja.params.models import QueryModel

    names: set[str] = set()
    for model in operation.models:
        if issubclass(model, QueryModel):
            names.update(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
    return names


def refuse_unknown_query(api: NinjaAPI) -> None:
    """A query parameter the endpoint does not read is refused (422, named with the ones
    it reads), as a body field is (``Body``): ``?fulfill=true`` for ``fulfil`` answered
    the caller's own orders, ``?stauts=closed`` every problem, as if filtered."""

    def decorator(run: Any) -> Any:
        operation = run.__self__
        known = query_names(operation)

        @functools.wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            unknown = [str(name)[:40] for name in request.GET if name not in known]
            # No parameter takes several values: ?status=dispatched&status=in_progress was
            # answered with the last one's problems alone, as if both had been listed.
            repeated = {
                str(name)[:40]: f"{ONE_VALUE}（收到 {len(request.GET.getlist(name))} 个）"
                for name in request.GET
                if name in known and len(request.GET.getlist(name)) > 1
            }
            if repeated and not unknown:
                message = "请求参数有误：" + "；".join(f"{k}：{v}" for k, v in repeated.items())
                return error(request, api, 422, "invalid", message, repeated)
            if not unknown:
                return run(request, *args, **kwargs)
            reads = "、".join(sorted(known)) if known else "无"
            fields = dict.fromkeys(unknown, f"{UNKNOWN_QUERY}；可用的参数：{reads}")
            message = f"请求参数有误：{'、'.join(unknown)}：{UNKNOWN_QUERY}；可用的参数：{reads}"
            return error(request, api, 422, "invalid", message, fields)

        return checked

    api.add_decorator(decorator, mode="view")


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error(request, api, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = field_errors(list(exc.errors))
        message = "；".join(f"{k}：{v}" for k, v in fields.items())
        return error(request, api, 422, "invalid", f"请求参数有误：{message}", fields)

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The last line of defence: a number or a text the database cannot keep that no
        # check before it caught (ids in the path, say).
        return error(
            request, api, 400, "invalid", "提交的数字太大或内容太长，超出了可以保存的范围，请修改后重试"
        )

    @api.exception_handler(OperationalError)
    def busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        if "locked" not in str(exc):
            raise exc
        return error(request, api, 503, "unavailable", BUSY_MESSAGE)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(request, api, 401, "unauthenticated", "请先登录或提供有效的访问令牌")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error(request, api, 404, "not_found", "记录不存在或无权查看")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja's own refusals, said in Chinese (its text is English).
        text = str(exc)
        if exc.status_code == 400 and "parse request body" in text:
            return domain_error(request, InvalidBody())
        if exc.status_code == 403 and "CSRF" in text:
            return error(
                request,
                api,
                403,
                "csrf_failed",
                "安全校验未通过：用网页登录状态调用接口须带 X-CSRFToken 请求头；"
                "程序调用请用访问令牌（Authorization: Bearer）",
            )
        return error(request, api, exc.status_code, "error", f"请求被拒绝（{exc.status_code}）：{text}")


def body_doc(
    fields: dict[str, dict[str, Any]], *, required: list[str], files: str = "", json: bool = True
) -> dict:
    """``openapi_extra`` for an endpoint that reads its body itself (form data with files,
    or JSON): the request body a generated client must send. ``files`` names the part
    that carries files (several)."""
    form = dict(fields)
    if files:
        form[files] = {"type": "array", "items": {"type": "string", "format": "binary"}}
    content: dict[str, Any] = {
        "multipart/form-data": {"schema": {"type": "object", "properties": form, "required": required}}
    }
    if json:
        content["application/json"] = {
            "schema": {"type": "object", "properties": fields, "required": required}
        }
    return {"requestBody": {"required": True, "content": content}}


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "invalid, not_found, unauthenticated, csrf_failed…"},
        "message": {"type": "string", "description": "中文说明"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "字段 → 原因",
        },
    },
}
ERRORS = {
    "400": "请求有误（字段在 fields 中说明）",
    "401": "未登录或访问令牌无效",
    "403": "无权进行该操作，或安全校验未通过（csrf_failed）",
    "404": "记录不存在或不在您的管辖范围内",
    "422": "参数格式有误",
    # The database still locked past its wait (or the disk full): nothing was saved.
    "503": "系统繁忙，本次内容没有保存，请稍后重试（unavailable）",
}
# The refusals only some operations give.
_UNMASKED = {"429": "每小时查看完整信息的次数已用完（rate_limited）"}
# A search by a complete ID number or phone counts against SHEQU_NUMBER_SEARCH_PER_HOUR.
_NUMBER_SEARCH = {"429": "每小时按完整身份证号或电话查找的次数已用完（rate_limited）"}
# A step sent with ``seen`` (the version the client read) after someone else acted.
_CHANGED = {"409": "读取之后已有他人操作，本次未执行（changed；message 说明谁、何时做了什么）"}
# A claim's step sent again by whoever just took it (a second tap): nothing done twice.
_AGAIN = {"409": "这一步您刚刚已经做过，本次未重复执行（changed；message 说明何时做的）"}
_CHANGED_OR_AGAIN = {
    "409": "读取之后已有他人操作，或这一步您刚刚已经做过，本次未执行（changed；message 说明谁、何时做了什么）"
}
MORE_ERRORS = {
    ("post", "/api/v1/auth/token"): {"429": "登录失败次数过多，账号已暂时锁定（locked_out）"},
    ("post", "/api/v1/store/orders/"): {
        "409": "不能兑换：积分不足、库存不足、超出限兑、不在兑换期或价格已变（code 说明是哪一种）"
    },
    ("post", "/api/v1/problems/{problem_id}/transitions"): _CHANGED,
    ("put", "/api/v1/tasks/{task_id}"): _CHANGED,
    ("post", "/api/v1/claims/{claim_id}/accept"): _CHANGED_OR_AGAIN,
    ("post", "/api/v1/claims/{claim_id}/return"): _CHANGED_OR_AGAIN,
    ("post", "/api/v1/claims/{claim_id}/proof"): _AGAIN,
    ("post", "/api/v1/claims/{claim_id}/withdraw"): _AGAIN,
    ("post", "/api/v1/monthly-lists/{list_id}/transitions"): _CHANGED,
    ("post", "/api/v1/residents/{resident_id}/unmask"): _UNMASKED,
    ("post", "/api/v1/resources/units/{unit_id}/contact-phone"): _UNMASKED,
    ("get", "/api/v1/residents/"): _NUMBER_SEARCH,
    ("get", "/api/v1/residents/export"): _NUMBER_SEARCH,
    # A check counts the rows whose number is registered under another name or elsewhere.
    ("post", "/api/v1/registry/imports/{run_id}/mapping"): _NUMBER_SEARCH,
    ("post", "/api/v1/residents/export"): {
        "429": "每小时查看完整信息的次数已用完，或按完整身份证号或电话查找的次数已用完（rate_limited）"
    },
    # A resident named by their complete ID number is a search by number.
    ("post", "/api/v1/resources/talents/"): _NUMBER_SEARCH,
    ("post", "/api/v1/resources/teams/{team_id}/members"): _NUMBER_SEARCH,
}
# The creates a retried request must not repeat (docs/problems.md, docs/tasks.md).
IDEMPOTENT = {
    ("post", "/api/v1/problems/"),
    ("post", "/api/v1/tasks/"),
    ("post", "/api/v1/store/orders/"),
    ("post", "/api/v1/store/items/{item_id}/stock"),
    ("post", "/api/v1/points/service-records"),
    ("post", "/api/v1/points/accounts/{account_id}/opening"),
}


def document_conventions(schema: Any) -> Any:
    """The conventions every operation shares, written into the OpenAPI document: the
    error shape for 400/401/403/404/422/503, and the Idempotency-Key header where it is read."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in (ERRORS | MORE_ERRORS.get((method, path), {})).items():
                responses.setdefault(code, {"description": text, "content": ref})
            if (method, path) not in IDEMPOTENT:
                continue
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == "Idempotency-Key" for p in parameters):  # written once
                parameters.append(
                    {
                        "in": "header",
                        "name": "Idempotency-Key",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 80},
                        "description": "重试同一请求时带同一个值：只记录一次，返回第一次的结果",
                    }
                )
    return schema
