"""The tusupload-cleanup console script: options, output, exit codes."""

from collective.tusupload import cli
from collective.tusupload.core import FileStore
from collective.tusupload.core.info import new_upload_id
from collective.tusupload.core.info import UploadInfo

import fcntl
import os
import pathlib
import shutil
import subprocess
import sys
import time


SCRIPT = pathlib.Path(sys.executable).parent / "tusupload-cleanup"


def run(*args, env=None):
    environment = {
        key: value for key, value in os.environ.items() if key != "TUSUPLOAD_TMP_DIR"
    }
    environment.update(env or {})
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=30,
    )


def upload(store, *, expires, data=b""):
    upload_id = new_upload_id()
    store.create(UploadInfo(id=upload_id, length=10, expires=expires))
    with open(store.data_path(upload_id), "wb") as data_file:
        data_file.write(data)
    return upload_id


def test_removes_expired_uploads_and_reports(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    expired = upload(store, expires=time.time() - 1, data=b"x" * 3000)
    alive = upload(store, expires=time.time() + 3600)
    result = run("--dir", tmp_path, "--verbose")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{tmp_path}: removed 1 expired upload(s)")
    assert "KiB" in result.stdout
    assert f"upload   {expired}" in result.stdout
    assert store.list_ids() == [alive]


def test_dry_run_changes_nothing(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    expired = upload(store, expires=time.time() - 1)
    before = upload_files(tmp_path)
    result = run("--dir", tmp_path, "--dry-run")
    assert result.returncode == 0
    assert "would remove 1 expired upload(s)" in result.stdout
    assert store.list_ids() == [expired]
    assert upload_files(tmp_path) == before


def upload_files(directory):
    """The store's files, without the sweep lock file."""
    return sorted(name for name in os.listdir(directory) if not name.startswith("."))


def test_older_than_overrides_the_expiry(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    idle = upload(store, expires=time.time() + 3600)
    old = time.time() - 120
    for path in (store.info_path(idle), store.data_path(idle)):
        os.utime(path, (old, old))
    fresh = upload(store, expires=time.time() + 3600)
    assert run("--dir", tmp_path).stdout.startswith(f"{tmp_path}: removed 0")
    result = run("--dir", tmp_path, "--older-than", "60")
    assert result.returncode == 0
    assert store.list_ids() == [fresh]


def test_grace_applies_to_orphans(tmp_path):
    orphan = tmp_path / ("a" * 32 + ".data")
    orphan.write_bytes(b"12345")
    assert run("--dir", tmp_path).returncode == 0
    assert orphan.exists()
    result = run("--dir", tmp_path, "--grace", "0")
    assert "1 orphan(s)" in result.stdout
    assert not orphan.exists()


def test_directory_from_the_environment(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    upload(store, expires=time.time() - 1)
    result = run(env={"TUSUPLOAD_TMP_DIR": str(tmp_path)})
    assert result.returncode == 0
    assert store.list_ids() == []


def test_skips_while_another_process_sweeps(tmp_path):
    store = FileStore(tmp_path, fsync=False)
    expired = upload(store, expires=time.time() - 1)
    with open(tmp_path / ".sweep.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        result = run("--dir", tmp_path)
    assert result.returncode == 0
    assert "skipped" in result.stdout
    assert store.list_ids() == [expired]


def test_missing_directory_fails_with_1(tmp_path):
    result = run("--dir", tmp_path / "missing")
    assert result.returncode == 1
    assert "no such directory" in result.stderr


def test_unreadable_directory_fails_with_1(tmp_path):
    if os.geteuid() == 0:
        # root reads everything: take a file where a directory should be.
        target = tmp_path / "file"
        target.write_text("")
    else:
        target = tmp_path / "locked"
        target.mkdir(mode=0)
    try:
        result = run("--dir", target)
    finally:
        if target.is_dir():
            target.chmod(0o700)
    assert result.returncode == 1


def test_usage_errors_exit_with_2(tmp_path):
    assert run().returncode == 2  # no --dir, no TUSUPLOAD_TMP_DIR
    assert run("--dir", tmp_path, "--older-than", "soon").returncode == 2
    assert run("--dir", tmp_path, "--older-than", "-5").returncode == 2
    assert run("--dir", tmp_path, "--bogus").returncode == 2


def test_runs_without_zope(tmp_path):
    code = (
        "import sys\n"
        "from collective.tusupload import cli\n"
        f"status = cli.main(['--dir', {str(tmp_path)!r}])\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('zope', 'Zope2', 'Products', 'plone', 'ZODB', 'webob')]\n"
        "print(status, heavy)\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.stdout.strip().endswith("0 []"), result.stderr
    assert time.monotonic() - started < 5


def test_console_script_is_installed():
    assert SCRIPT.exists() or shutil.which("tusupload-cleanup")


def test_the_zodb_store_has_nothing_to_clean_here(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUSUPLOAD_STORE", "zodb")
    assert cli.main(["--dir", str(tmp_path)]) == 1
    assert "in the database" in capsys.readouterr().err
