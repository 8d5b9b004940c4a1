"""`jkfp backup` and `jkfp restore` carry the attachments' files (MEDIA_ROOT) with the database:
after a restore into an empty database and an empty media folder, an attachment downloads with
the same bytes (issue 7, Production), through the real commands in fresh processes."""

from __future__ import annotations

import hashlib
import tarfile

from .commands import jkfp as _jkfp

PDF = b"%PDF-1.4\n% jkfp backup test\n%%EOF\n"
ATTACH = """
from django.core.files.uploadedfile import SimpleUploadedFile
from jkfp.accounts.models import User
from jkfp.admission.attachments import attachment_add
from jkfp.admission.models import ChangeRequest
cr = ChangeRequest.objects.order_by("pk").first()
a = attachment_add(user=User.objects.get(username="admin"), request=cr, kind="consent",
                   file=SimpleUploadedFile("同意书.pdf", PDF), name="同意书.pdf", size=len(PDF))
print(a.pk, a.storage_name)
"""
READ = """
from jkfp.accounts.models import User
from jkfp.admission.attachments import attachment_open
import hashlib
att, fh = attachment_open(user=User.objects.get(username="admin"), pk=PK)
print(att.original_name, hashlib.sha256(fh.read()).hexdigest(), att.sha256)
"""


def test_attachments_survive_a_backup_and_restore(databases, tmp_path):
    src, dst = databases
    src = {**src, "JKFP_MEDIA_ROOT": str(tmp_path / "media-a")}
    dst = {**dst, "JKFP_MEDIA_ROOT": str(tmp_path / "media-b")}
    r = _jkfp(src, "demo_data", "--persons", "300", "--seed", "3", "-v0")
    assert r.returncode == 0, r.stderr
    r = _jkfp(src, "shell", "-c", f"PDF = {PDF!r}\n" + ATTACH)
    assert r.returncode == 0, r.stderr
    pk, stored = r.stdout.strip().splitlines()[-1].split()  # (shell prints its imports first)
    exports = tmp_path / "media-a" / "exports"   # a background export's workbook (105)
    exports.mkdir(parents=True)
    (exports / "persons-job-1.xlsx").write_bytes(b"PK")
    archive = tmp_path / "jkfp.tar"
    r = _jkfp(src, "backup", str(archive), "--as", "admin")
    assert r.returncode == 0, r.stderr
    with tarfile.open(archive) as tar:
        assert f"media/{stored}" in tar.getnames()
        assert not [n for n in tar.getnames() if n.startswith("media/exports")]
    assert not (tmp_path / "media-b").exists()
    r = _jkfp(dst, "restore", str(archive))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "media-b" / stored).read_bytes() == PDF
    r = _jkfp(dst, "shell", "-c", READ.replace("PK", pk))
    assert r.returncode == 0, r.stderr
    digest = hashlib.sha256(PDF).hexdigest()
    assert r.stdout.strip().splitlines()[-1].split() == ["同意书.pdf", digest, digest]
