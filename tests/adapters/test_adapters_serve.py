"""``python -m collective.tusupload.deploy.serve``: what reaches waitress."""

from collective.tusupload.deploy.config import waitress_settings
from pathlib import Path

import waitress.adjustments


EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "tus-filter.ini"


def test_defaults_read_bodies_in_large_blocks(tmp_path):
    config = tmp_path / "app.ini"
    config.write_text("[app:main]\nuse = call:os:getcwd\n")
    settings = waitress_settings(str(config))
    assert settings["recv_bytes"] == "1048576"
    assert (settings["host"], settings["port"]) == ("127.0.0.1", "8081")


def test_every_server_option_is_passed_on_and_waitress_takes_them(tmp_path):
    config = tmp_path / "app.ini"
    config.write_text(
        "[server:main]\nuse = egg:waitress#main\nport = 9000\n"
        "recv_bytes = 65536\ninbuf_overflow = 9437184\nchannel_timeout = 30\n"
    )
    settings = waitress_settings(str(config))
    assert "use" not in settings
    adjustments = waitress.adjustments.Adjustments(**settings)
    assert adjustments.recv_bytes == 65536
    assert adjustments.inbuf_overflow == 9437184
    assert adjustments.channel_timeout == 30
    assert adjustments.port == 9000


def test_the_example_config_is_valid_for_waitress():
    settings = waitress_settings(str(EXAMPLE))
    adjustments = waitress.adjustments.Adjustments(**settings)
    assert adjustments.recv_bytes == 1 << 20
