// SD command indices (SD Physical Layer Simplified Specification 4.7.4 and
// 7.3.1.3), for the card layer and the hosts that treat some commands
// specially. Application commands (ACMDn) are sent as CMD55, then CMDn.
//
// Pure: no kernel dependencies.
#pragma once

#include <stdint.h>

namespace rivet::sd::cmd {

constexpr uint8_t kGoIdleState = 0;
constexpr uint8_t kAllSendCid = 2;
constexpr uint8_t kSendRelativeAddr = 3;
constexpr uint8_t kSetBusWidth = 6;  // ACMD6
constexpr uint8_t kSelectCard = 7;
constexpr uint8_t kSendIfCond = 8;
constexpr uint8_t kSendCsd = 9;
constexpr uint8_t kSendCid = 10;
constexpr uint8_t kStopTransmission = 12;
constexpr uint8_t kSendStatus = 13;
constexpr uint8_t kSetBlockLen = 16;
constexpr uint8_t kReadSingle = 17;
constexpr uint8_t kReadMultiple = 18;
constexpr uint8_t kWriteSingle = 24;
constexpr uint8_t kWriteMultiple = 25;
constexpr uint8_t kSdSendOpCond = 41;  // ACMD41
constexpr uint8_t kAppCmd = 55;
constexpr uint8_t kReadOcr = 58;      // SPI mode only
constexpr uint8_t kCrcOnOff = 59;     // SPI mode only

}  // namespace rivet::sd::cmd
