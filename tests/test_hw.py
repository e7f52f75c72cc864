"""Real-board checks; skipped (with the reason) unless --hw-board is given."""

import pytest

from hil import cli


@pytest.mark.hw
def test_flash_and_info_on_real_board(hw, capsys):
    board, url = hw
    assert cli.main(["flash", "--board", board]) == 0
    args = ["info", "--board", board, "--json"] + (["--url", url] if url else [])
    assert cli.main(args) == 0
    assert f'"board_id": "{board}"' in capsys.readouterr().out


@pytest.mark.hw
def test_counter_is_dwt_on_silicon(hw):
    from tests.conftest import open_board

    board, url = hw
    with open_board(board, url=url) as session:
        assert session.board_info.counter == "dwt"
        assert session.board_info.clock_locked
        assert session.spin(2000) > session.spin(1000) > 0


@pytest.mark.hw
def test_the_board_answers_on_its_link(hw):
    """Any board, any link: on this machine or on a farm place (labgrid's pytest plugin)."""
    from tests.conftest import open_board

    board, url = hw
    with open_board(board, url=url) as session:
        assert session.board_info.board_id == board
        assert session.spin(2000) > session.spin(1000) > 0
