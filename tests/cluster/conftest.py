"""The real cluster of ``make cluster``, started once per session.

ZEO (or PostgreSQL with ``DB=postgres``), Zope instances A and B, HAProxy:
scripts/cluster.sh with ports of its own and data in a temporary directory;
stopped with SIGTERM at the end (which must stop everything, exit 0).
"""

from pathlib import Path

import glob
import os
import pytest
import random
import requests
import shutil
import signal
import socket
import subprocess
import tempfile
import time


ROOT = Path(__file__).resolve().parents[2]
AUTH = ("admin", "admin")


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1 a moment ago."""
    for _ in range(200):
        first = random.randrange(20000, 60000)
        sockets = []
        try:
            for port in range(first, first + count):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
    raise RuntimeError("no block of free ports")


class Cluster:
    """A running ``scripts/cluster.sh``: URLs of the balancer and instances."""

    def __init__(self, directory: Path, database: str) -> None:
        self.directory = directory
        self.database = database
        self.port = free_ports(4)
        self.log = directory / "cluster.log"
        self.process = None

    def url(self, which: str = "lb") -> str:
        """The site's URL through the balancer (``lb``) or instance ``a``/``b``."""
        port = self.port + {"lb": 0, "a": 1, "b": 2}[which]
        return f"http://127.0.0.1:{port}/Plone"

    def instance_pid(self, which: str) -> int:
        return int((self.directory / f"instance-{which}" / "serve.pid").read_text())

    def start(self, timeout: float = 300) -> "Cluster":
        env = dict(
            os.environ,
            PORT=str(self.port),
            DB=self.database,
            CLUSTER_DIR=str(self.directory),
            VOLTO_SITE_ID="",
            THREADS="4",
        )
        env.pop("TUSUPLOAD_TMP_DIR", None)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "cluster.sh")],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log.read_text()[-5000:]
            if "Stop with Ctrl-C" in self.log.read_text():
                try:
                    if requests.get(self.url(), timeout=10).status_code == 200:
                        return self
                except requests.RequestException:
                    pass
            assert time.monotonic() < deadline, "the cluster did not start in time"
            time.sleep(1)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_cluster(database: str):
    # Not in pytest's temporary directory, which only root may enter: run
    # as root, the script starts PostgreSQL as the postgres user.
    directory = Path(tempfile.mkdtemp(prefix=f"tusupload-cluster-{database}-"))
    directory.chmod(0o755)
    cluster = Cluster(directory, database).start()
    yield cluster
    assert cluster.stop() == 0, cluster.log.read_text()[-5000:]
    # Every process of it is gone: nothing listens on its ports.
    for port in range(cluster.port, cluster.port + 4):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, port
    if not os.environ.get("KEEP_CLUSTER"):
        shutil.rmtree(directory, ignore_errors=True)


def needs(path: str, what: str) -> None:
    if not os.path.exists(path):
        pytest.skip(f"{what} is needed (apt-get install {what.lower()})")


# Module-scoped: one cluster at a time (four Zope processes would not fit
# beside the other tests on a small machine).
@pytest.fixture(scope="module")
def cluster():
    """The ZEO cluster (HAProxy, instances A and B, ZEO)."""
    needs("/usr/sbin/haproxy", "HAProxy")
    yield from start_cluster("zeo")


@pytest.fixture(scope="module")
def postgres_cluster():
    """The RelStorage cluster (HAProxy, instances A and B, PostgreSQL)."""
    needs("/usr/sbin/haproxy", "HAProxy")
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres"):
        pytest.skip("PostgreSQL is needed (apt-get install postgresql)")
    pytest.importorskip("relstorage")
    yield from start_cluster("postgres")
