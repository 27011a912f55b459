# The system on QEMU sifive_u (HiFive Unleashed) with its root file system and
# swap area on the SD card behind the SiFive SPI controller: the kernel is
# booted directly (OpenSBI fw_jump + -kernel), the card is `-drive if=sd`.
# Two cards: 128 MiB, which QEMU's card model presents as SDSC (byte
# addresses), and a sparse 4 GiB one, SDHC (block addresses).
# Included by tests/user/CMakeLists.txt (rivet_system_test, rivet_root_fs).
set(sifive_dir ${CMAKE_CURRENT_BINARY_DIR}/sifive_u)
set(sifive_sdsc ${sifive_dir}/sdsc-128m.img)
set(sifive_sdhc ${sifive_dir}/sdhc-4g.img)
set(rivet_root_type B2A45E6C-0F3A-4B8E-9C1D-524956455446)
add_custom_command(
  OUTPUT ${sifive_sdsc} ${sifive_sdhc}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${sifive_dir}
  COMMAND rivet-mkimage --quiet --out ${sifive_sdsc} --size 128M --seed sifive-sdsc
          --part name=root,type=${rivet_root_type},start=2048,size=64M,file=${rivet_root_fs}
          --part name=swap,type=linux-swap,size=32M
  COMMAND rivet-mkimage --quiet --out ${sifive_sdhc} --size 4G --seed sifive-sdhc
          --part name=root,type=${rivet_root_type},start=2048,size=64M,file=${rivet_root_fs}
          --part name=swap,type=linux-swap,size=256M
  DEPENDS ${rivet_root_fs} rivet-mkimage
  COMMENT "tests: SD cards for sifive_u (128 MiB SDSC, 4 GiB SDHC)")
add_custom_target(sifive-test-cards ALL DEPENDS ${sifive_sdsc} ${sifive_sdhc})
add_dependencies(sifive-test-cards boards-root)

set(sifive_args --machine sifive_u --mem 512M)
# Files written before poweroff and reboot are there after the next boot, on
# either kind of card.
rivet_system_test(system.sifive_u.sdsc_reboot test_reboot.py ${sifive_args} --image ${sifive_sdsc})
rivet_system_test(system.sifive_u.sdhc_reboot test_reboot.py ${sifive_args} --image ${sifive_sdhc})
# The whole usertests program, in one boot, on the SDHC card.
rivet_system_test(usertests.sifive_u test_suite.py ${sifive_args} --image ${sifive_sdhc}
  --program usertests --min-passed 40 --timeout 900)
set_tests_properties(usertests.sifive_u PROPERTIES TIMEOUT 1200)
# vmtests on the SDHC card in one boot: every test but those that need a
# small machine (VM_SMALL, VM_SWAP) at 512 MiB; then the swap tests that
# fork and map files under memory pressure on a 40 MiB machine, touching
# 1.2 times its memory (-p120: swap over SPI moves a few MB/s under QEMU, so
# the virt runs' 2.75 times would take many minutes).
rivet_read_test_table(${CMAKE_SOURCE_DIR}/user/tests/vmtests_table.h VMTEST sifive_vm_rows)
set(sifive_vm_count 0)
foreach(row IN LISTS sifive_vm_rows)
  if(NOT row MATCHES "VM_SWAP|VM_SMALL")
    math(EXPR sifive_vm_count "${sifive_vm_count} + 1")
  endif()
endforeach()
rivet_system_test(vmtests.sifive_u test_suite.py ${sifive_args} --image ${sifive_sdhc}
  --program vmtests --min-passed ${sifive_vm_count} --timeout 900 --ordinary-only)
rivet_system_test(vmtests.sifive_u.swap test_suite.py --machine sifive_u --mem 40M --image ${sifive_sdhc}
  --program vmtests --min-passed 1 --timeout 900 --swap-percent 120 --tests swap_fork)
set_tests_properties(vmtests.sifive_u vmtests.sifive_u.swap PROPERTIES TIMEOUT 1200)
set_property(TEST vmtests.sifive_u vmtests.sifive_u.swap APPEND PROPERTY LABELS vm)
