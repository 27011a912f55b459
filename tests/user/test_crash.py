"""Crash consistency: QEMU is killed (SIGKILL, no warning) in the middle of
heavy file-system writes, many times. The promise under test is the one of a
write-back file system: after a power cut at any point
  * rivet-fsck finds a consistent file system;
  * everything completed before the last sync() (or a file's fsync()) that
    returned is there;
  * no file shows a block it was not given: within its size a file holds its
    own data or zeros, never another file's (no stale data of a deleted file).
`crashtest write SEED` (user/tests/crashtest.c) creates files of up to about
90 KiB, every 8-byte word unique to its file and offset, renames and removes
some, and syncs only every few steps: sometimes sync(), after which it
prints "crashtest: synced N" (every step <= N durable), sometimes fsync() of
the file just written, then "crashtest: fsynced N" (that file's data and size
only). After each crash:
  1. rivet-fsck --replay, applying the log as the kernel would, finds a
     consistent file system: every block free or owned once, link counts
     right, directories well formed;
  2. the kernel mounts it again (recovering its log) and `crashtest check N
     F...` (N the last "synced" seen, F... the "fsynced" after it) finds every
     step up to N complete, every fsynced file that exists complete, and
     every file in /crash holding only its own bytes or zeros, within its
     full size;
  3. after a clean power-off, rivet-fsck without replay is clean too.
The kill points and the writer's sync schedule are random; the seed is
printed (set RIVET_CRASH_SEED to repeat a run).
"""
import argparse
import os
import random
import re
import subprocess
import time

import rivet_system
from rivet_qemu import run_test

p = argparse.ArgumentParser()
rivet_system.add_arguments(p)
p.add_argument("--fsck", required=True)
p.add_argument("--rounds", type=int, default=8)
args = p.parse_args()


def fsck(disk, replay):
    cmd = [args.fsck, "--quiet"] + (["--replay"] if replay else []) + [disk]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, "rivet-fsck %s found problems:\n%s%s" % (
        "--replay" if replay else "", r.stdout, r.stderr)


def main():
    seed = int(os.environ.get("RIVET_CRASH_SEED", time.time_ns() % 1000000))
    print("crash seed", seed)
    rng = random.Random(seed)
    for round_ in range(args.rounds):
        disk = rivet_system.fresh_disk(args, "crash%d.img" % round_)
        target = rng.randint(0, 50)
        write_seed = rng.randint(0, 999999)
        with rivet_system.boot(args, disk, log_path="%s.%d.crash" % (args.log, round_)) as q:
            q.send("crashtest write %d\r" % write_seed)
            q.expect(r"crashtest: done %d\r?\n" % target, timeout=180)
            time.sleep(rng.uniform(0, 0.3))
            q.kill()  # the crash: SIGKILL to QEMU, mid-write
            # Only whole lines: a line cut by the kill may show a shorter number.
            done = [int(n) for n in re.findall(r"crashtest: done (\d+)\r?\n", q.output)]
            synced = [int(n) for n in re.findall(r"crashtest: synced (\d+)\r?\n", q.output)]
            last = max(synced) if synced else -1
            fsynced = [int(n) for n in re.findall(r"crashtest: fsynced (\d+)\r?\n", q.output)
                       if int(n) > last]
        print("round %d: killed after step %d, last synced %d, fsynced since %s" % (
            round_, max(done), last, fsynced or "none"), flush=True)
        fsck(disk, replay=True)
        with rivet_system.boot(args, disk, log_path="%s.%d.check" % (args.log, round_)) as q:
            out = rivet_system.run(q, "crashtest check %d%s" % (last, "".join(" %d" % n for n in fsynced)))
            assert "crashtest: ok" in out, "after the crash in round %d (seed %d):\n%s" % (
                round_, seed, out)
            rivet_system.power_off(q)
        fsck(disk, replay=False)
        os.unlink(disk)


run_test(main)
