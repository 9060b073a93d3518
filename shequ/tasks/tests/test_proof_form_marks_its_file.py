"""提交完成凭证 cannot be sent without a photo or a video (the service refuses it with
请上传至少一张照片或一段视频作为完成凭证), but its file box was not marked required: a
resident who typed the note and pressed 提交凭证 waited for the upload of nothing and
got the page back. The box is marked required, so the browser asks for the file first."""

import re

import pytest

from shequ.tasks import services
from shequ.tasks.tests.helpers import make_task
from shequ.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_the_proof_forms_file_box_is_required(world):
    task = make_task(world)
    claim = services.claim_task(world.resident_wang, task.pk)
    resident = client_for(world.resident_wang)
    refused = resident.post(f"/tasks/claims/{claim.pk}/act/", {"action": "submit", "note": "已换好灯泡"})
    said = refused.content.decode()
    assert refused.status_code == 400 and "请上传至少一张照片或一段视频作为完成凭证" in said
    page = resident.get(f"/tasks/claims/{claim.pk}/").content.decode()
    form = re.search(r'<form[^>]*class="stack proof".*?</form>', page, re.S)
    assert form is not None
    box = re.search(r'<input type="file" name="files"[^>]*>', form.group(0))
    assert box is not None and re.search(r"\srequired\b", box.group(0))
