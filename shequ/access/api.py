from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from shequ.access.tokens import issue_token

router = Router(tags=["账号"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", response=TokenOut, auth=None, summary="用用户名和密码换取访问令牌")
def create_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    return {"token": issue_token(request, payload.username, payload.password)}
