# Kernel boot tests: OpenSBI fw_jump hands the Image to the kernel directly.
set(_k --fw ${RIVET_FW_JUMP} --kernel ${RIVET_KERNEL_IMAGE})

rivet_boot_test(boot.virt.smp1.128m test_kernel.py ${_k} --smp 1 --mem 128M --mode boot)
rivet_boot_test(boot.virt.smp4.2g test_kernel.py ${_k} --smp 4 --mem 2G --mode boot)
rivet_boot_test(boot.virt.smp4.128m test_kernel.py ${_k} --smp 4 --mem 128M --mode boot)
rivet_boot_test(boot.virt.smp2.echo test_kernel.py ${_k} --smp 2 --mem 256M --mode echo)
rivet_boot_test(boot.virt.fault_report test_kernel.py ${_k} --smp 2 --mem 256M --mode fault)
# The kernel the suite boots checks lock ranks: taking two locks against
# the order (the monitor's lockorder command) must panic naming both.
rivet_boot_test(boot.virt.lock_order test_kernel.py ${_k} --smp 2 --mem 256M --mode lockorder)
rivet_boot_test(boot.virt.repeat_smp4 test_kernel.py ${_k} --smp 4 --mem 256M --mode repeat --boots 5)
# Twice as many harts as the kernel runs (kMaxHarts, read from its one
# definition): it says so and uses kMaxHarts of them.
file(STRINGS ${CMAKE_SOURCE_DIR}/kernel/dt/machine.h _max_harts REGEX "^inline constexpr size_t kMaxHarts = [0-9]+;")
string(REGEX REPLACE "^.*kMaxHarts = ([0-9]+).*$" "\\1" _max_harts "${_max_harts}")
math(EXPR _twice "${_max_harts} * 2")
rivet_boot_test(boot.virt.smp_capped test_kernel.py ${_k} --smp ${_twice} --harts ${_max_harts} --mem 256M --mode capped)
rivet_boot_test(boot.virt.bad_device_tree test_kernel.py ${_k} --smp 1 --mem 128M --mode badtree)
rivet_boot_test(boot.virt.bad_storage_tree test_kernel.py ${_k} --smp 1 --mem 128M --mode badstorage)
rivet_boot_test(boot.virt.shared_irq_tree test_kernel.py ${_k} --smp 1 --mem 128M --mode sharedirq)
# QEMU's HiFive Unleashed: hart 0 is an E51 without an MMU and must be left
# alone; the console is a SiFive UART; the timer goes through SBI. OpenSBI
# cannot power this machine off, so the test leaves through reboot.
rivet_boot_test(boot.sifive_u.smp5 test_kernel.py ${_k} --machine sifive_u --smp 5 --harts 4
  --mem 1G --mode boot --exit-by reboot)
# fw_dynamic: the same kernel, entered the way the boards' U-Boot SPL hands
# over (device tree near the top of RAM).
rivet_boot_test(boot.virt.fw_dynamic.smp4 test_kernel.py --fw ${RIVET_FW_DYNAMIC} --kernel ${RIVET_KERNEL_IMAGE}
  --smp 4 --mem 1G --mode boot)
