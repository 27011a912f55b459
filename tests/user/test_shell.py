"""What a person at the console does, end to end on a booted Rivet:
  - pipes, `<`, `>`, `>>`, `;` and `&` in the shell;
  - the utilities (echo, cat, ls, grep, wc, mkdir, rm, ln, cp, mv, kill,
    sync);
  - line editing at the prompt (the shell's own editor since it reads in
    raw "keys" mode; test_shell_edit.py covers the rest): backspace,
    Ctrl-U, up-arrow history;
  - Ctrl-C stops the foreground program and only it (a background job lives
    on), and Ctrl-D at an empty prompt ends the shell (init starts a new one);
  - a C++ program runs; an unknown command is reported.
"""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()


def expect_output(q, command, pattern):
    out = rivet_system.run(q, command)
    assert re.search(pattern, out), "%r printed %r, expected /%s/" % (command, out, pattern)
    return out


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk) as q:
        expect_output(q, "echo hello rivet", r"^hello rivet\n")
        expect_output(q, "echo one two three | wc", r"1 3 14")
        expect_output(q, "echo alpha > /tmp/a; echo beta >> /tmp/a; cat /tmp/a", r"alpha\nbeta\n")
        expect_output(q, "grep bet < /tmp/a", r"^beta\n")
        expect_output(q, "cat /tmp/a | grep alpha | wc", r"1 1 6")
        rivet_system.run(q, "mkdir /tmp/d; cp /tmp/a /tmp/d/b; ln /tmp/d/b /tmp/d/c; mv /tmp/a /tmp/d/a")
        names = [line.split()[0] for line in rivet_system.run(q, "ls /tmp/d").splitlines() if line.strip()]
        assert sorted(names) == [".", "..", "a", "b", "c"], names
        expect_output(q, "cat /tmp/d/c", r"alpha\nbeta\n")
        rivet_system.run(q, "rm /tmp/d/a /tmp/d/b /tmp/d/c")
        names = [line.split()[0] for line in rivet_system.run(q, "ls /tmp/d").splitlines() if line.strip()]
        assert sorted(names) == [".", ".."], names
        # sync prints nothing and the shell goes on; what was written is there.
        rivet_system.run(q, "echo durable > /tmp/s")
        out = rivet_system.run(q, "sync")
        assert out.strip() == "", "sync printed %r" % out
        expect_output(q, "sync; cat /tmp/s; sync", r"^durable\n$")
        rivet_system.run(q, "rm /tmp/s")
        expect_output(q, "cat /tmp/nonexistent", r"cat: .*ENOENT")
        expect_output(q, "nosuchprogram", r"nosuchprogram.*(not found|ENOENT)")
        expect_output(q, "hello_cpp", r"[Hh]ello")

        # Line editing: "echo wrong" erased with backspaces and Ctrl-U.
        q.send("echo wrongXX\x7f\x7f\x15echo right\r", char_delay=0.02)
        q.expect(r"\nright\n")
        q.expect(rivet_system.PROMPT)
        # Up arrow brings back the previous line.
        q.send("\x1b[A\r", char_delay=0.05)
        q.expect(r"\nright\n")
        q.expect(rivet_system.PROMPT)

        # A background job survives Ctrl-C aimed at the foreground job.
        m = re.search(r"\[(\d+)\]", rivet_system.run(q, "sleep 3000 &"))
        assert m, "the shell did not report the background job's pid"
        background = m.group(1)
        q.send("sleep 5000\r")
        q.expect(r"sleep 5000\n")
        # A Ctrl-C typed before the job has claimed the console kills nothing
        # (by design); type it again until the prompt is back.
        for attempt in range(10):
            q.send("\x03")
            q.expect(r"\^C")
            try:
                q.expect(rivet_system.PROMPT, timeout=5)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError("Ctrl-C did not stop the foreground job")
        assert "init: sh" not in q.output, "Ctrl-C killed the shell"
        # The background sleep is still there: killing it works (prints
        # nothing), and a missing pid is reported.
        out = rivet_system.run(q, "kill " + background)
        assert out.strip() == "", "the background job did not survive Ctrl-C: %r" % out
        expect_output(q, "kill 99999", r"kill: .*ESRCH")

        # Ctrl-D at an empty prompt ends this shell; init starts another.
        q.send("\x04")
        q.expect(r"init: starting /bin/sh", timeout=30)
        q.expect(rivet_system.PROMPT)
        expect_output(q, "echo still here", r"still here")
        rivet_system.power_off(q)


run_test(main)
