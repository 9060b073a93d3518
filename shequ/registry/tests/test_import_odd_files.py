"""Files that are not a register as the reader takes it: each refused with what to do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shequ.registry.models import ImportRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        # Nothing arrived: not a damaged file, nor one without headers.
        ("居民.xlsx", b"", "上传的文件是空的（0 字节）"),
        ("居民.csv", b"", "上传的文件是空的（0 字节）"),
        # An office's old template, and WPS's own format: named, with the way out.
        ("居民.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "不能直接导入旧版 Excel（.xls）文件"),
        ("居民.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "不能直接导入WPS 表格（.et）文件"),
    ],
)
def test_an_empty_file_or_an_old_format_is_refused_saying_what_to_do(world, name, content, said):
    client = Client()
    client.force_login(world.secretary_zhang)
    upload = SimpleUploadedFile(name, content)

    r = client.post("/registry/import/", {"community": world.areas["A1"].code, "file": upload})

    page = r.content.decode()
    assert r.status_code == 400 and said in page
    if not content:
        assert "已损坏" not in page and "没有找到表头" not in page
    else:
        assert "另存为”Excel 工作簿（.xlsx）" in page
    assert not ImportRun.objects.exists()
