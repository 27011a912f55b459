# The system-call fuzzer (user/tests/sysfuzz.c): a few seeds, each a bounded
# number of calls, on 2 and 4 harts, one with the kernel poisoning freed
# pages (page_poison: a store through a stale page reference panics at the
# next allocation of that page, naming the put that freed it). Labels user
# and fuzz; a long run multiplies the workers:
#   RIVET_FUZZ_SCALE=50 ctest --test-dir build -L fuzz
# and RIVET_FUZZ_SEED=N replaces every test's seed.
rivet_system_test(sysfuzz.seed1 test_sysfuzz.py --seed 1)
rivet_system_test(sysfuzz.seed2.smp4 test_sysfuzz.py --seed 2 --smp 4 --parallel 8)
rivet_system_test(sysfuzz.seed3.poison test_sysfuzz.py --seed 3 --append page_poison)
foreach(test sysfuzz.seed1 sysfuzz.seed2.smp4 sysfuzz.seed3.poison)
  set_property(TEST ${test} APPEND PROPERTY LABELS fuzz)
endforeach()
