"""The shell's variables, environment, prompt and line editor, end to end
through the serial console of a booted Rivet. Each block says what it
proves. No assertion depends on timing: every step waits for the text it
needs (the prompt, an echo) before the next.
"""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()

run = rivet_system.run


def expect_exact(q, command, text):
    out = run(q, command)
    assert out == text, "%r printed %r, expected %r" % (command, out, text)


def type_keys(q, keys, output):
    """Types keys (special ones included) and waits for the command's output
    line(s) and the next prompt; returns what came between Enter's newline
    and the prompt."""
    q.send(keys)
    m = q.expect(r"\n" + re.escape(output))
    after = q.expect(rivet_system.PROMPT_LINE)
    return q.output[m.start() + 1:after.start()]


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk) as q:
        # The prompt shows the current directory, and keeps ending in "$ ".
        assert re.search(r"(?m)^/ \$ $", q.output), "the first prompt is not '/ $ ': %r" % q.output[-200:]
        q.send("cd /tmp\r")
        q.expect(r"(?m)^/tmp \$ ")
        # cd - goes back and prints where; cd alone goes to $HOME (/).
        q.send("mkdir sub; cd sub\r")
        q.expect(r"(?m)^/tmp/sub \$ ")
        expect_exact(q, "cd -", "/tmp\n")
        expect_exact(q, "cd ../tmp/./sub/..; pwd", "/tmp\n")
        expect_exact(q, "cd; pwd", "/\n")
        # A bad directory: one line of error, status 1, the directory unchanged.
        out = run(q, "cd /nonexistent; echo status=$?; pwd")
        lines = out.splitlines()
        assert len(lines) == 3 and re.match(r"sh: cd: /nonexistent: ENOENT", lines[0]), out
        assert lines[1:] == ["status=1", "/"], out

        # Variables: $NAME, ${NAME}; single quotes keep '$', double quotes
        # expand; an unset variable is empty; $? is the last status.
        run(q, "X=hello")
        expect_exact(q, "echo $X ${X}x '$X' \"$X\" [$UNSET] $", "hello hellox $X hello [] $\n")
        expect_exact(q, "false; echo $?", "1\n")
        expect_exact(q, "true; echo $?", "0\n")
        expect_exact(q, "nosuchcommand; echo $?", "sh: nosuchcommand: not found\n127\n")

        # The environment: a shell variable is not in it until exported;
        # NAME=value cmd sets it for that command only; env NAME=value cmd
        # too; unset removes it; HOME and PATH are set.
        expect_exact(q, "printenv X; echo status=$?", "status=1\n")
        expect_exact(q, "export X; printenv X", "hello\n")
        expect_exact(q, "env | grep '^X='", "X=hello\n")
        expect_exact(q, "export Y=why; printenv Y", "why\n")
        expect_exact(q, "ONCE=only printenv ONCE; printenv ONCE; echo status=$?", "only\nstatus=1\n")
        expect_exact(q, "env Z=3 printenv Z X", "3\nhello\n")
        expect_exact(q, "unset X; printenv X; echo status=$?; echo [$X]", "status=1\n[]\n")
        expect_exact(q, "printenv HOME PATH", "/\n/bin\n")

        # Failures are quiet unless set -x: then each command is shown and a
        # failure reported.
        expect_exact(q, "false", "")
        out = run(q, "set -x; false; set +x")
        assert "+ false\n" in out and "sh: false: exit status 1\n" in out, out

        # Left arrow then typing inserts in the middle: "echo ac", Left, "b".
        assert type_keys(q, "echo ac\x1b[Db\r", "abc\n") == "abc\n"
        # Ctrl-A goes to the start and Ctrl-E to the end. (Ctrl-A is QEMU's
        # console escape key: typed twice, QEMU passes one on.)
        assert type_keys(q, "cho x\x01\x01e\x05y\r", "xy\n") == "xy\n"
        # Home/End as ESC [H and ESC [4~ do the same.
        assert type_keys(q, "cho 2\x1b[He\x1b[4~3\r", "23\n") == "23\n"
        # Ctrl-W erases the word before the cursor, Ctrl-U the line.
        assert type_keys(q, "echo keep drop\x17\r", "keep\n") == "keep\n"
        assert type_keys(q, "echo gone\x15echo fresh\r", "fresh\n") == "fresh\n"
        # Ctrl-L clears the screen and shows the prompt and the line again.
        q.send("echo redrawn\x0c")
        q.expect(re.escape("\x1b[H\x1b[2J/ $ echo redrawn"))
        assert type_keys(q, "\r", "redrawn\n") == "redrawn\n"

        # Ctrl-C at the prompt: ^C, the line is dropped, a fresh prompt; the
        # shell lives on and $? is 130.
        q.send("echo never\x03")
        q.expect(r"echo never\^C\n/ \$ ")
        expect_exact(q, "echo $?", "130\n")
        # Ctrl-C during a command stops it; the shell adds nothing (no
        # "exit status") and the prompt comes back.
        q.send("sleep 5000\r")
        q.expect(r"sleep 5000\n")
        start = q.cursor
        for attempt in range(10):
            q.send("\x03")  # one typed before sleep has the console kills nothing: again
            q.expect(r"\^C")
            try:
                q.expect(rivet_system.PROMPT_LINE, timeout=5)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("Ctrl-C did not stop sleep")
        assert "exit status" not in q.output[start:], q.output[start:]
        assert "init: sh" not in q.output, "Ctrl-C killed the shell"

        # Tab completes a command (a single match, with a blank), a path
        # (a directory gets '/', a file ' '), and lists several on a second Tab.
        run(q, "echo tabbed > /tmp/completeme; echo 1 > /tmp/aa1; echo 2 > /tmp/aa2")
        assert type_keys(q, "ech\thi\r", "hi\n") == "hi\n"
        assert type_keys(q, "cat /tm\tcompl\t\r", "tabbed\n") == "tabbed\n"
        q.send("cat /tmp/aa\t\t")
        q.expect(r"\naa1  aa2\n/ \$ cat /tmp/aa")
        assert type_keys(q, "2\r", "2\n") == "2\n"

        # Up arrow brings back the last line.
        run(q, "echo from-history")
        assert type_keys(q, "\x1b[A\r", "from-history\n") == "from-history\n"

        # History survives the shell: exit, init starts a new shell, which
        # loads /.sh_history, and Up gives the line typed before.
        run(q, "echo persisted-line")
        q.send("exit\r")
        q.expect(r"init: starting /bin/sh", timeout=30)
        q.expect(rivet_system.PROMPT_LINE)
        q.send("\x1b[A")
        q.expect(r"exit")  # the newest line is exit itself
        q.send("\x1b[A\r")
        q.expect(r"\npersisted-line\n")
        q.expect(rivet_system.PROMPT_LINE)
        out = run(q, "grep persisted-line /.sh_history")
        assert out.splitlines()[0] == "echo persisted-line", out
        rivet_system.power_off(q)


run_test(main)
