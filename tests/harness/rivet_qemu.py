"""Drive a QEMU guest through its serial console, for Rivet's CTest tests.

Every QEMU runs in its own process group with a hard deadline; whatever
happens (test failure, exception, timeout, Ctrl-C) it is killed by its PID
when the session closes, so no test leaves an emulator behind. The whole
console transcript is written to a log file next to the test for debugging.
"""
import os
import re
import select
import signal
import subprocess
import sys
import time


class ConsoleTimeout(AssertionError):
    pass


class Qemu:
    """One QEMU process whose serial console is on stdin/stdout."""

    def __init__(self, args, log_path=None, deadline=120.0, echo=False):
        self.args = list(args)
        self.log_path = log_path
        self.deadline = time.monotonic() + deadline
        self.echo = echo
        self.output = ""      # everything the console printed so far
        self.cursor = 0       # expect() searches from here on
        self.proc = None
        self.log = None

    # -- life cycle ---------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def start(self):
        if self.log_path:
            self.log = open(self.log_path, "w", encoding="utf-8", errors="replace")
            self.log.write("$ " + " ".join(self.args) + "\n")
            self.log.flush()
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True, bufsize=0)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def kill(self):
        """Kill QEMU (and anything it spawned) by PID; idempotent."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self._drain()
        if self.log:
            self.log.close()
            self.log = None

    # -- console ------------------------------------------------------------
    def _drain(self):
        if not self.proc or not self.proc.stdout:
            return False
        got = False
        while True:
            try:
                chunk = self.proc.stdout.read(65536)
            except (BlockingIOError, ValueError):
                break
            if not chunk:
                break
            text = chunk.decode("utf-8", errors="replace").replace("\r", "")
            self.output += text
            if self.log:
                self.log.write(text)
                self.log.flush()
            if self.echo:
                sys.stdout.write(text)
                sys.stdout.flush()
            got = True
        return got

    def _wait_readable(self, seconds):
        if self.proc.poll() is not None:
            return
        try:
            select.select([self.proc.stdout], [], [], max(0.0, seconds))
        except (ValueError, OSError):
            pass

    def expect(self, pattern, timeout=30.0):
        """Wait until `pattern` (a regex) appears after the cursor; returns the
        match and moves the cursor past it. Fails with the transcript tail."""
        regex = re.compile(pattern, re.MULTILINE)
        end = min(self.deadline, time.monotonic() + timeout)
        while True:
            self._drain()
            m = regex.search(self.output, self.cursor)
            if m:
                self.cursor = m.end()
                return m
            exited = self.proc.poll() is not None
            if exited:
                self._drain()
                m = regex.search(self.output, self.cursor)
                if m:
                    self.cursor = m.end()
                    return m
            if exited or time.monotonic() >= end:
                raise ConsoleTimeout(
                    "did not see %r (qemu %s); console tail:\n%s" % (
                        pattern, "exited with %s" % self.proc.returncode
                        if exited else "still running after %.0fs" % timeout,
                        self.output[-3000:]))
            self._wait_readable(min(end - time.monotonic(), 0.5))

    def send(self, text, char_delay=0.0):
        """Type `text` on the console (optionally one character at a time)."""
        data = text.encode()
        if char_delay <= 0:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return
        for b in data:
            self.proc.stdin.write(bytes([b]))
            self.proc.stdin.flush()
            time.sleep(char_delay)

    def wait_exit(self, timeout=30.0):
        """Wait for QEMU to exit by itself; returns its exit status."""
        end = min(self.deadline, time.monotonic() + timeout)
        while self.proc.poll() is None and time.monotonic() < end:
            self._drain()
            self._wait_readable(0.2)
        self._drain()
        if self.proc.poll() is None:
            raise ConsoleTimeout("QEMU did not exit within %.0fs; console tail:\n%s"
                                 % (timeout, self.output[-3000:]))
        return self.proc.returncode


def run_test(main):
    """Run a test's main(); print PASS/FAIL and set the exit code for CTest."""
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e)
        sys.exit(1)
    print("PASS")
    sys.exit(0)
