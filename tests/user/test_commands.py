"""The commands a person types in the first minutes at the console, on a
booted Rivet: pwd, ps, help, head, tail, more, df, uname, dmesg, clear,
mount, ls -l and ls of several paths, kill -9. Each is driven with good
and bad arguments; a bad one must give one line of error and a non-zero
exit status (which the shell does not report by itself: `echo $?` shows it).
"""
import argparse
import re

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
args = p.parse_args()


def run(q, command):
    return rivet_system.run(q, command)


def expect_output(q, command, pattern):
    out = run(q, command)
    assert re.search(pattern, out, re.MULTILINE), "%r printed %r, expected /%s/" % (command, out, pattern)
    return out


def expect_exact(q, command, text):
    out = run(q, command)
    assert out == text, "%r printed %r, expected %r" % (command, out, text)


def expect_failure(q, command, name, pattern):
    """One line of error from the command (and nothing from the shell), then
    its non-zero exit status from `echo status=$?`."""
    out = run(q, command + "; echo status=$?")
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 2, "%r printed %r, expected one error line and the status" % (command, out)
    assert re.search(pattern, lines[0]), "%r printed %r, expected /%s/" % (command, lines[0], pattern)
    assert re.fullmatch(r"status=[1-9]\d*", lines[1]), \
        "%r (%s): no non-zero exit status: %r" % (command, name, out)


def ps_rows(q):
    rows = {}
    out = run(q, "ps")
    lines = out.splitlines()
    assert lines and lines[0].split() == ["PID", "PPID", "STATE", "RSS", "NAME"], out
    for line in lines[1:]:
        fields = line.split()
        assert len(fields) == 5, "ps row %r" % line
        rows[int(fields[0])] = {"ppid": int(fields[1]), "state": fields[2], "rss": fields[3], "name": fields[4]}
    return rows


def df_row(q):
    out = run(q, "df")
    lines = out.splitlines()
    assert lines[0].split() == ["Filesystem", "Blocks", "Used", "Free", "Inodes", "IUsed", "IFree",
                                "Mounted", "on"], out
    fields = lines[1].split()
    assert fields[0] == "vda2" and fields[7] == "/", out
    assert re.fullmatch(r"\(blocks of 4096 bytes\)", lines[2]), out
    return [int(x) for x in fields[1:7]]


def main():
    disk = rivet_system.fresh_disk(args)
    with rivet_system.boot(args, disk) as q:
        m = re.search(r"fs: mounted vda2: (\d+) blocks \((\d+) data\), (\d+) inodes", q.output)
        assert m, "no mount message"
        data_blocks, inodes = int(m.group(2)), int(m.group(3))

        # pwd, from / and from a directory two levels down.
        expect_exact(q, "pwd", "/\n")
        run(q, "mkdir /tmp/pw; mkdir /tmp/pw/deeper")
        expect_exact(q, "cd /tmp/pw/deeper; pwd", "/tmp/pw/deeper\n")
        expect_exact(q, "cd ..; pwd; cd /", "/tmp/pw\n")
        expect_failure(q, "pwd extra", "pwd", r"^pwd: extra: ")

        # ps shows init, the shell and ps itself, with ps's parent the shell.
        rows = ps_rows(q)
        shells = [pid for pid, r in rows.items() if r["name"] == "sh"]
        mine = [pid for pid, r in rows.items() if r["name"] == "ps"]
        assert rows.get(1, {}).get("name") == "init", rows
        assert len(mine) == 1 and rows[mine[0]]["ppid"] in shells, rows
        assert rows[mine[0]]["state"] == "run" and re.fullmatch(r"\d+K", rows[mine[0]]["rss"]), rows
        assert int(rows[mine[0]]["rss"][:-1]) > 0, rows
        assert any(r["name"] == "[flush]" for r in rows.values()), rows
        expect_failure(q, "ps -x", "ps", r"^ps: -x: ")

        # help: the built-ins and every program in /bin.
        out = run(q, "help")
        assert re.search(r"^Shell built-ins: cd exit export set unset$", out, re.MULTILINE), out
        listed = set(out.split())
        names = set(line.split()[0] for line in run(q, "ls /bin").splitlines() if line.strip())
        names -= {".", ".."}
        missing = names - listed
        assert not missing, "help does not list %s" % sorted(missing)
        for command in ["pwd", "ps", "help", "head", "tail", "more", "df", "uname", "dmesg", "clear",
                        "mount", "ls", "kill", "sync"]:
            assert command in names, "%s is not in /bin" % command
        expect_failure(q, "help me", "help", r"^help: me: ")

        # A file of 30 numbered lines.
        for first in (1, 11, 21):
            run(q, "; ".join("echo %d >> /tmp/n" % i for i in range(first, first + 10)))
        expect_output(q, "wc /tmp/n", r"^30 30 81 ")

        # head and tail, exactly.
        expect_exact(q, "head -n 3 /tmp/n", "1\n2\n3\n")
        expect_exact(q, "head /tmp/n", "".join("%d\n" % i for i in range(1, 11)))
        expect_exact(q, "head -2 /tmp/n", "1\n2\n")
        expect_exact(q, "tail -n 2 /tmp/n", "29\n30\n")
        expect_exact(q, "tail /tmp/n", "".join("%d\n" % i for i in range(21, 31)))
        expect_exact(q, "cat /tmp/n | tail -n1", "30\n")
        expect_exact(q, "cat /tmp/n | head -n 1", "1\n")
        expect_exact(q, "tail -n 0 /tmp/n", "")
        expect_exact(q, "head -n 1 /tmp/n /tmp/n", "==> /tmp/n <==\n1\n\n==> /tmp/n <==\n1\n")
        expect_failure(q, "head /tmp/missing", "head", r"^head: /tmp/missing: ENOENT")
        expect_failure(q, "tail /tmp/missing", "tail", r"^tail: /tmp/missing: ENOENT")
        expect_failure(q, "head -x /tmp/n", "head", r"^head: -x: unknown option")
        expect_failure(q, "tail -n abc /tmp/n", "tail", r"^tail: abc: not a line count")

        # more pages: 10 lines (11 rows less the prompt's), a key each time.
        q.send("more -n 11 /tmp/n\r")
        q.expect(r"more -n 11 /tmp/n\n")
        m = q.expect(r"--More--")
        shown = q.output[m.start() - 40:m.start()]
        assert shown.endswith("9\n10\n"), "first page: %r" % shown
        q.send(" ")  # the next page
        q.expect(r"11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n--More--")
        q.send("\r")  # one line
        q.expect(r"21\n--More--")
        q.send("q")
        q.expect(rivet_system.PROMPT)
        assert "22\n" not in q.output[m.start():], "more went on after q"
        # The console is back to lines: what is typed is echoed and edited.
        expect_exact(q, "echo cooked", "cooked\n")
        # Paging to the end, a space per page, ends by itself.
        q.send("more -n 11 /tmp/n\r")
        q.expect(r"--More--")
        q.send(" ")
        q.expect(r"--More--")
        q.send(" ")
        q.expect(r"29\n30\n")
        q.expect(rivet_system.PROMPT)
        # Not to the console, more copies.
        expect_output(q, "more /tmp/n | wc", r"^30 30 81 ?\n")
        expect_failure(q, "more /tmp/missing", "more", r"^more: /tmp/missing: ENOENT")
        expect_failure(q, "more -z /tmp/n", "more", r"^more: -z: unknown option")

        # df agrees with the file system mkfs made, and sees a new file.
        blocks, used, free, total_inodes, iused, ifree = df_row(q)
        assert blocks == data_blocks and used + free == blocks and used > 0, (blocks, used, free)
        assert total_inodes == inodes - 1 and iused + ifree == total_inodes and iused > 30, \
            (total_inodes, iused, ifree)
        run(q, "echo new > /tmp/dfnew; sync")
        after = df_row(q)
        assert after[4] == iused + 1, "IUsed %d -> %d after one new file" % (iused, after[4])
        assert after[1] >= used + 1, "Used %d -> %d after a new file's block" % (used, after[1])
        run(q, "rm /tmp/dfnew; sync")
        assert df_row(q)[4] == iused, "IUsed did not come back after rm"
        expect_failure(q, "df /tmp/missing", "df", r"^df: /tmp/missing: ENOENT")
        expect_failure(q, "df -h", "df", r"^df: -h: unknown option")

        # mount: the root, read-write; mounting more is refused.
        expect_exact(q, "mount", "vda2 on / type rivetfs (rw)\n")
        expect_failure(q, "mount /dev/vdb /mnt", "mount", r"^mount: /dev/vdb: mounting is not supported")

        # uname.
        expect_exact(q, "uname", "Rivet\n")
        expect_exact(q, "uname -a", "Rivet 0.1.0 riscv64 riscv-virtio,qemu %d harts\n" % args.smp)
        expect_exact(q, "uname -i", "riscv-virtio,qemu\n")
        expect_exact(q, "uname -sr", "Rivet 0.1.0\n")
        expect_failure(q, "uname -q", "uname", r"^uname: -q: unknown option")

        # dmesg: the kernel's messages from the banner on.
        out = run(q, "dmesg")
        assert re.search(r"^Rivet 0\.1\.0 \(riscv64, S-mode\) booting on hart \d+$", out, re.MULTILINE), out[:500]
        assert "fs: mounted vda2:" in out and "rivet: starting /bin/init" in out, out[-500:]
        expect_output(q, "dmesg | grep 'all 2 harts online'", r"^rivet: all 2 harts online\n")
        expect_failure(q, "dmesg -c", "dmesg", r"^dmesg: -c: ")

        # clear sends the ANSI sequence and nothing else.
        # (the prompt follows it on the same line, so run() cannot be used).
        q.send("clear\r")
        q.expect(r"clear\n")
        start = q.cursor
        m = q.expect(r"/ \$ ")
        out = q.output[start:m.start()]
        assert out == "\x1b[H\x1b[2J", repr(out)
        expect_failure(q, "clear all", "clear", r"^clear: all: ")

        # ls -l: type, links, size, inode, name (as stat gives them).
        run(q, "mkdir /tmp/l; echo hello > /tmp/l/f; ln /tmp/l/f /tmp/l/g")
        out = run(q, "ls -l /tmp/l")
        rows = {}
        for line in out.splitlines():
            fields = line.split()
            assert len(fields) == 5, "ls -l row %r" % line
            rows[fields[4]] = fields
        assert sorted(rows) == [".", "..", "f", "g"], out
        assert rows["f"][:3] == ["-", "2", "6"] and rows["g"][:3] == ["-", "2", "6"], out
        assert rows["f"][3] == rows["g"][3], "hard links with different inodes: %r" % out
        assert rows["."][0] == "d" and rows[".."][0] == "d", out
        ls_plain = run(q, "ls /tmp/l/f").split()
        assert ls_plain[0] == "f" and ls_plain[2] == rows["f"][3], ls_plain
        expect_output(q, "ls -l /dev/console", r"^c +1 +0 +\d+ console\n$")
        # Several paths: files first, then each directory under a header.
        out = run(q, "ls /tmp/n /tmp/l /tmp/pw")
        lines = out.splitlines()
        assert lines[0].split()[0] == "n" and lines[1] == "" and lines[2] == "/tmp/l:", out
        assert "" in lines[3:] and "/tmp/pw:" in lines, out
        assert lines.index("/tmp/pw:") > lines.index("/tmp/l:") + 4, out
        expect_failure(q, "ls /tmp/missing", "ls", r"^ls: cannot open /tmp/missing: ENOENT")
        expect_failure(q, "ls -z", "ls", r"^ls: -z: unknown option")
        # A missing path among good ones: the others are listed, status 1.
        out = run(q, "ls /tmp/l/f /tmp/missing; echo status=$?")
        assert re.search(r"^f +2 ", out, re.MULTILINE) and "ENOENT" in out and "status=1\n" in out, out

        # kill -9 is kill: the process ends. Other signals are refused.
        m = re.search(r"\[(\d+)\]", run(q, "sleep 3000 &"))
        assert m, "no background pid"
        pid = int(m.group(1))
        assert pid in ps_rows(q), "the background sleep is not in ps"
        run(q, "kill -9 %d" % pid)
        for attempt in range(20):
            if pid not in ps_rows(q):
                break
            run(q, "sleep 1")
        else:
            raise AssertionError("kill -9 %d left it running" % pid)
        m = re.search(r"\[(\d+)\]", run(q, "sleep 3000 &"))
        pid = int(m.group(1))
        run(q, "kill -KILL %d" % pid)
        expect_failure(q, "kill -STOP %d" % pid, "kill", r"^kill: -STOP: Rivet has no signals")
        expect_failure(q, "kill -9", "kill", r"^usage: kill")
        expect_failure(q, "kill -9 99999", "kill", r"^kill: 99999: ESRCH")

        rivet_system.power_off(q)


run_test(main)
