// Shared by the DesignWare tests: nothing the model counts as a driver
// mistake happened.
#pragma once

#include <gtest/gtest.h>

#include "tests/unit/dw_mmc_model.h"

namespace rivet::test {

inline void expect_clean(const DwMmcModel& model) {
  EXPECT_EQ(model.stats.glitchy_clock_updates, 0u);
  EXPECT_EQ(model.stats.hardware_locked, 0u);
  EXPECT_EQ(model.stats.commands_without_clock, 0u);
  EXPECT_EQ(model.stats.commands_without_hold, 0u);
  EXPECT_EQ(model.stats.dma_mode_data_commands, 0u);
  EXPECT_EQ(model.stats.fast_identification, 0u);
  EXPECT_EQ(model.stats.overclocked, 0u);
  EXPECT_EQ(model.stats.fifo_overruns, 0u);
  EXPECT_EQ(model.stats.unknown_registers, 0u);
}

}  // namespace rivet::test
