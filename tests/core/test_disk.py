"""Disk helpers of the store: usable directories, a full disk, sizes in words."""

from collective.tusupload.core import errors
from collective.tusupload.core.disk import directory_problem
from collective.tusupload.core.disk import format_size
from collective.tusupload.core.disk import free_space
from collective.tusupload.core.disk import no_space_as_507
from helpers.small_disk import files_in
from helpers.small_disk import MIB
from helpers.small_disk import small_disk

import errno
import pytest


class TestDirectoryProblem:
    def test_usable_directory_is_created_and_left_empty(self, tmp_path):
        directory = tmp_path / "a" / "b"
        assert directory_problem(directory) is None
        assert files_in(directory) == []

    def test_a_file_is_no_directory(self, tmp_path):
        path = tmp_path / "passwd"
        path.write_text("root:x:0:0")
        assert directory_problem(path) == "it is a file, not a directory"

    def test_below_a_file_is_refused(self, tmp_path):
        path = tmp_path / "passwd"
        path.write_text("root:x:0:0")
        assert directory_problem(path / "uploads") == "Not a directory"

    def test_relative_path_is_refused(self):
        assert directory_problem("var/tusupload") == "it is not an absolute path"


class TestNoSpaceAs507:
    @pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT])
    def test_full_disk_and_quota_become_507(self, number):
        with pytest.raises(errors.InsufficientStorage) as raised, no_space_as_507():
            raise OSError(number, "full")
        assert raised.value.status == 507
        assert isinstance(raised.value.__cause__, OSError)

    def test_other_errors_pass_unchanged(self):
        with pytest.raises(PermissionError), no_space_as_507():
            raise PermissionError(errno.EACCES, "Permission denied")


def test_free_space_of_a_small_disk(tmp_path):
    with small_disk(tmp_path / "disk") as directory:
        assert free_space(directory) == MIB


@pytest.mark.parametrize(
    "count,text",
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (10 * MIB, "10 MiB"),
        (int(9.5 * 1024 * MIB), "9.5 GiB"),
    ],
)
def test_format_size(count, text):
    assert format_size(count) == text
