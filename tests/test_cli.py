import subprocess
import sys

from insar_hf.cli import COMMANDS, main


def test_top_level_help_lists_every_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_console_script_reports_version():
    out = subprocess.run(
        [sys.executable, "-m", "insar_hf.cli", "--version"], capture_output=True, text=True
    )
    assert out.stdout.strip().startswith("insar-hf ")
