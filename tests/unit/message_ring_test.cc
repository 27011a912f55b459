// The kernel's message ring (kernel/lib/message_ring.h), which dmesg reads.
#include "kernel/lib/message_ring.h"

#include <gtest/gtest.h>

#include <string>

namespace rivet {
namespace {

template <size_t N>
std::string all(const MessageRing<N>& ring) {
  std::string out(ring.held(), '\0');
  size_t n = ring.copy(ring.oldest(), out.data(), out.size());
  out.resize(n);
  return out;
}

TEST(MessageRing, StartsEmpty) {
  MessageRing<8> ring;
  char c;
  EXPECT_EQ(ring.total(), 0u);
  EXPECT_EQ(ring.oldest(), 0u);
  EXPECT_EQ(ring.held(), 0u);
  EXPECT_EQ(ring.copy(0, &c, 1), 0u);
}

TEST(MessageRing, KeepsEverythingUntilFull) {
  MessageRing<16> ring;
  ring.append("hello ", 6);
  ring.append("world\n", 6);
  EXPECT_EQ(ring.total(), 12u);
  EXPECT_EQ(ring.oldest(), 0u);
  EXPECT_EQ(all(ring), "hello world\n");
}

TEST(MessageRing, OverwritesTheOldestBytes) {
  MessageRing<8> ring;
  ring.append("abcdef", 6);
  ring.append("ghij", 4);  // wraps: a and b are gone
  EXPECT_EQ(ring.total(), 10u);
  EXPECT_EQ(ring.oldest(), 2u);
  EXPECT_EQ(ring.held(), 8u);
  EXPECT_EQ(all(ring), "cdefghij");
}

TEST(MessageRing, AMessageLongerThanTheRingKeepsItsEnd) {
  MessageRing<4> ring;
  ring.append("xy", 2);
  ring.append("0123456789", 10);
  EXPECT_EQ(ring.total(), 12u);
  EXPECT_EQ(all(ring), "6789");
}

TEST(MessageRing, CopyFromAPosition) {
  MessageRing<8> ring;
  ring.append("abcdefghij", 10);  // holds cdefghij at 2..10
  char out[8];
  EXPECT_EQ(ring.copy(5, out, 3), 3u);
  EXPECT_EQ(std::string(out, 3), "fgh");
  EXPECT_EQ(ring.copy(8, out, 8), 2u);  // only what was written
  EXPECT_EQ(std::string(out, 2), "ij");
  EXPECT_EQ(ring.copy(10, out, 8), 0u);  // nothing yet
  EXPECT_EQ(ring.copy(99, out, 8), 0u);
  // A position already overwritten starts at the oldest byte held.
  EXPECT_EQ(ring.copy(0, out, 4), 4u);
  EXPECT_EQ(std::string(out, 4), "cdef");
}

TEST(MessageRing, ManyWrapsStayConsistent) {
  MessageRing<7> ring;
  std::string written;
  for (int i = 0; i < 100; i++) {
    std::string piece = std::to_string(i) + ",";
    ring.append(piece.data(), piece.size());
    written += piece;
    std::string expect = written.substr(written.size() > 7 ? written.size() - 7 : 0);
    ASSERT_EQ(all(ring), expect) << "after " << i;
  }
  EXPECT_EQ(ring.total(), written.size());
}

}  // namespace
}  // namespace rivet
