from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status

from shequ.access.tokens import issue_token, revoke_token

router = Router(tags=["账号"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", response=TokenOut, auth=None, summary="用用户名和密码换取访问令牌")
def create_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    return {"token": issue_token(request, payload.username, payload.password)}


@router.delete("/auth/token", response={204: None}, summary="注销当前访问令牌")
def delete_token(request: HttpRequest) -> Status:
    revoke_token(request)
    return Status(204, None)
