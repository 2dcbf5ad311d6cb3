"""`python -m bot console` in a real terminal (a pseudo-terminal): prompt, /aup, confirmation."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.drivers.program import ROOT, program_env, run_bot

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    """A program attached to a pseudo-terminal, driven like a person at a keyboard."""

    def __init__(
        self, argv: list[str], cwd: Path, env: dict[str, str], sigint_ignored: bool = False
    ) -> None:
        self.master, replica = pty.openpty()

        def attach() -> None:
            # The terminal is the program's controlling terminal, so Ctrl-C typed at it is a
            # SIGINT, as in a real shell. A program a script starts in the background inherits
            # SIGINT ignored (``sigint_ignored``).
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            if sigint_ignored:
                signal.signal(signal.SIGINT, signal.SIG_IGN)

        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=replica,
            stdout=replica,
            stderr=replica,
            start_new_session=True,
            preexec_fn=attach,
        )
        os.close(replica)
        self.screen = ""
        self.read_up_to = 0

    def expect(self, text: str, timeout: float = 30) -> str:
        """Wait until ``text`` appears after what was already matched; returns the new output."""
        start = self.read_up_to
        deadline = time.monotonic() + timeout
        while text not in self.screen[self.read_up_to :]:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; the terminal shows:\n{self.screen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the program closed the terminal
                chunk = b""
            assert chunk, f"the program ended before {text!r}; it showed:\n{self.screen}"
            self.screen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        self.read_up_to = self.screen.index(text, self.read_up_to) + len(text)
        return self.screen[start : self.read_up_to]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")  # Enter, as a keyboard sends it

    def ctrl_c(self) -> None:
        """Ctrl-C, as a person types it. Python's readline loses a SIGINT that lands between
        showing the prompt and waiting for a key (no person types that fast; on a busy machine
        that gap can be long), so wait a moment after the prompt first, and press it again, as
        a person would, while the program has shown nothing at all since (a Ctrl-C it did
        answer always shows something: a new line, or the end of the program)."""
        time.sleep(0.5)
        for _ in range(10):
            shown = len(self.screen)
            os.write(self.master, b"\x03")
            deadline = time.monotonic() + 3
            while len(self.screen) == shown and time.monotonic() < deadline:
                if not self._read_some(deadline - time.monotonic()):
                    return  # the program ended: it answered
            if len(self.screen) > shown:
                return

    def _read_some(self, timeout: float) -> bool:
        """Add what the program shows within ``timeout`` to the screen; False once it ended."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.screen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return bool(chunk)

    def close(self) -> int:
        """Wait for the program to end, keeping the rest of what it showed."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                if self.process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO: the program closed the terminal
                break
            if not chunk:
                break
            self.screen += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            os.close(self.master)


def test_agreeing_to_the_aup_in_a_real_terminal(tmp_path):
    env = program_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}", TERM="dumb", PYTHONPATH=str(ROOT)
    )
    assert run_bot("migrate", cwd=tmp_path, env=env).returncode == 0
    terminal = Terminal([sys.executable, "-m", "bot", "console"], tmp_path, env)
    try:
        banner = terminal.expect("Alex Teacher> ")
        assert "Safekeep console: Demo Primary School" in banner
        assert "You are Alex Teacher <teacher@example.org>" in banner

        terminal.type("/aup")
        dialog = terminal.expect("2. I have a question")
        assert "== Acceptable Use Policy ==" in dialog
        assert "Staff Acceptable Use Policy · version 2025.1" in dialog
        assert "I have read, understood and agree to abide by this Acceptable Use Policy." in dialog
        terminal.expect("> ")

        terminal.type("")  # Enter alone is not an answer, and never an agreement
        assert "I have a question" in terminal.expect("> ")
        terminal.type("agree")
        assert "version 2025.1." in terminal.expect("Type 'I agree' to agree")
        terminal.expect("> ")
        terminal.type("I agree")
        confirmed = terminal.expect("Alex Teacher> ")
        assert "Thank you. Your agreement to Staff Acceptable Use Policy (version 2025.1)" in (
            " ".join(confirmed.split())
        )
        assert "was recorded on" in confirmed

        terminal.type("/aup")
        assert "Nothing more to do." in terminal.expect("Alex Teacher> ")

        terminal.type("/quit")
    finally:
        code = terminal.close()
    assert code == 0, terminal.screen


def test_ctrl_d_in_the_middle_of_a_dialog_leaves_quietly(tmp_path):
    env = program_env(DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}", TERM="dumb")
    assert run_bot("migrate", cwd=tmp_path, env=env).returncode == 0
    terminal = Terminal([sys.executable, "-m", "bot", "console"], tmp_path, env)
    try:
        terminal.expect("Alex Teacher> ")
        terminal.type("/aup")
        terminal.expect("2. I have a question")
        terminal.expect("> ")
        os.write(terminal.master, b"\x04")  # Ctrl-D: end of input, as a person types it
    finally:
        code = terminal.close()
    assert code == 0, terminal.screen
    assert "Traceback" not in terminal.screen


@pytest.mark.parametrize("started", ["from a shell", "in the background, SIGINT ignored"])
def test_ctrl_c_at_a_question_cancels_the_dialog_and_ctrl_c_at_the_prompt_quits(tmp_path, started):
    env = program_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}", TERM="dumb", PYTHONPATH=str(ROOT)
    )
    assert run_bot("migrate", cwd=tmp_path, env=env).returncode == 0
    terminal = Terminal(
        [sys.executable, "-m", "bot", "console"], tmp_path, env, "ignored" in started
    )
    try:
        terminal.expect("Alex Teacher> ")
        terminal.type("/aup")
        terminal.expect("2. I have a question")
        terminal.expect("> ")
        terminal.ctrl_c()
        assert "Cancelled: nothing was saved." in terminal.expect("Alex Teacher> ")
        # Still running: line editing recalls the last command with the Up arrow.
        os.write(terminal.master, b"\x1b[A\r")
        terminal.expect("2. I have a question")
        terminal.expect("> ")
        terminal.type("/cancel")
        terminal.expect("Alex Teacher> ")
        terminal.ctrl_c()  # at the command prompt: leave
    finally:
        code = terminal.close()
    assert code == 0, terminal.screen
    assert "Traceback" not in terminal.screen
