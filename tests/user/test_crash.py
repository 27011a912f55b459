"""Crash consistency: QEMU is killed (SIGKILL, no warning) in the middle of
heavy file-system writes, many times. After each crash:
  1. rivet-fsck --replay, applying the log as the kernel would, finds a
     consistent file system: every block free or owned once, link counts
     right, directories well formed;
  2. the kernel mounts it again (recovering its log) and `crashtest check`
     finds every operation that had returned before the crash complete, the
     one in flight all there or not at all, and no torn file;
  3. after a clean power-off, rivet-fsck without replay is clean too.
The kill points are random; the seed is printed (set RIVET_CRASH_SEED to
repeat a run).
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
        target = rng.randint(0, 60)
        with rivet_system.boot(args, disk, log_path="%s.%d.crash" % (args.log, round_)) as q:
            q.send("crashtest write\r")
            q.expect(r"crashtest: done %d\n" % target, timeout=180)
            time.sleep(rng.uniform(0, 0.3))
            q.kill()  # the crash: SIGKILL to QEMU, mid-write
            done = [int(n) for n in re.findall(r"crashtest: done (\d+)\n", q.output)]
            last = max(done)
        print("round %d: killed after step %d" % (round_, last), flush=True)
        fsck(disk, replay=True)
        with rivet_system.boot(args, disk, log_path="%s.%d.check" % (args.log, round_)) as q:
            out = rivet_system.run(q, "crashtest check %d" % last)
            assert "crashtest: ok" in out, "after the crash in round %d (seed %d):\n%s" % (
                round_, seed, out)
            rivet_system.power_off(q)
        fsck(disk, replay=False)
        os.unlink(disk)


run_test(main)
