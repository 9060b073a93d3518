import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads and error reports go to a temporary folder, not the real media root."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
