import subprocess
import sys


def test_it_runs_without_django():
    code = (
        "import sys, techlink_sandbox, techlink_sandbox.testing, techlink_sandbox.pytest_plugin, "
        "techlink_sandbox.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
