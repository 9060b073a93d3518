"""Password rules with messages in Chinese.

Django 5.2 words the length rule anew ("…at least %d characters.") and its zh-Hans
catalogue still translates only the old wording, so 修改密码 and ``shequ user add``
answered a short password in English. The rule is Django's; only the words are ours."""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符"
