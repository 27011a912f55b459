// What the image tools (rivet-mkfs, rivet-mkimage) share on the command
// line: error exits that name the program, and number and size parsing.
#pragma once

#include <stdint.h>

#include <string>

namespace rivet::cli {

// The program named in messages, and a partly written output file that
// fail() removes (empty: none).
void set_program(const char* name);
void set_partial_output(const std::string& path);

// "PROGRAM: error: MESSAGE", the partial output removed, exit status 1.
[[noreturn]] void fail(const char* format, ...) __attribute__((format(printf, 1, 2)));
// The same with a pointer to --help, exit status 2 (a bad command line).
[[noreturn]] void usage_error(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A decimal number without sign or suffix; false if malformed or too large.
bool parse_u64(const std::string& text, uint64_t* out);
// A size: a number with an optional suffix, K, M, G or T (powers of 1024,
// either case) or s (512-byte sectors); without one, the number counts
// units of `unit` bytes. On failure, *why says what is wrong.
bool parse_size(const std::string& text, uint64_t unit, uint64_t* bytes, std::string* why);

}  // namespace rivet::cli
