#include "kernel/block/root.h"

#include <stdarg.h>

#include "kernel/fs/format.h"
#include "kernel/lib/format.h"

namespace rivet::block {
namespace {

constexpr Guid kRivetRootType = Guid::literal(fs::kRootPartitionTypeText);

// A command-line word is copied (without its quotes) into a buffer this
// large; a root= value must fit with room to spare.
constexpr size_t kMaxWordLength = 255;

constexpr char kDevPrefix[] = "/dev/";
constexpr char kPartUuidPrefix[] = "PARTUUID=";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

size_t length(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

bool equal(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

bool starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return false;
  return true;
}

bool contains(const char* s, char c) {
  for (; *s; s++)
    if (*s == c) return true;
  return false;
}

// Copies at most size - 1 characters and a NUL.
void copy(char* out, size_t size, const char* s) {
  size_t i = 0;
  for (; i + 1 < size && s[i]; i++) out[i] = s[i];
  out[i] = '\0';
}

// Appends formatted text to a fixed buffer, truncating quietly.
struct Message {
  char* buffer;
  size_t size;
  size_t used = 0;

  __attribute__((format(printf, 2, 3))) void add(const char* fmt, ...) {
    if (used + 1 >= size) return;
    va_list args;
    va_start(args, fmt);
    size_t n = vsnformat(buffer + used, size - used, fmt, args);
    va_end(args);
    used = used + n < size ? used + n : size - 1;
  }
};

// One word of the command line, quotes removed, split at its first '='.
struct Word {
  char text[kMaxWordLength + 1];
  size_t text_length;  // the word's length without quotes, even if truncated
  const char* value;   // after the '=', or nullptr without one
};

// Reads the word starting at or after `p` into `word` and returns where the
// next one may start, or nullptr at the end of the line. Double quotes stop
// white space from ending the word and are dropped, which covers both of
// Linux's forms, `root="a b"` and `"root=a b"`.
const char* next_word(const char* p, Word& word) {
  while (is_space(*p)) p++;
  if (!*p) return nullptr;
  bool quoted = false;
  word.text_length = 0;
  word.value = nullptr;
  for (; *p && (quoted || !is_space(*p)); p++) {
    if (*p == '"') {
      quoted = !quoted;
      continue;
    }
    if (word.text_length < kMaxWordLength) word.text[word.text_length] = *p;
    word.text_length++;
  }
  size_t end = word.text_length < kMaxWordLength ? word.text_length : kMaxWordLength;
  word.text[end] = '\0';
  for (size_t i = 0; i < end; i++) {
    if (word.text[i] == '=') {
      word.text[i] = '\0';
      word.value = word.text + i + 1;
      break;
    }
  }
  return p;
}

Result<void> fail(RootRequest& request, Error error, const char* why) {
  Message m{request.error, sizeof request.error};
  m.add("root=%s: %s", request.given, why);
  return error;
}

// Interprets the value of the last root= word.
Result<void> parse_root_value(const char* value, bool truncated, RootRequest& request) {
  copy(request.given, sizeof request.given, value);
  if (!*value) return fail(request, Error::Invalid, "empty");
  if (truncated) return fail(request, Error::Invalid, "too long");

  if (starts_with(value, kPartUuidPrefix)) {
    const char* text = value + sizeof kPartUuidPrefix - 1;
    // Linux's PARTUUID=<guid>/PARTNROFF=<n> (a neighbour of the partition).
    if (contains(text, '/')) return fail(request, Error::NotSupported, "PARTNROFF is not supported");
    auto guid = Guid::parse(text);
    if (!guid)
      return fail(request, Error::Invalid,
                  "not a GPT partition GUID (like 0FC63DAF-8483-4772-8E79-3D69D8477DE4)");
    if (guid->is_zero()) return fail(request, Error::Invalid, "the zero GUID names no partition");
    request.kind = RootRequest::Kind::PartUuid;
    request.partuuid = guid.value();
    return {};
  }
  // UUID=, LABEL=, PARTLABEL= name file systems or partitions by content,
  // which needs more than a device list.
  if (contains(value, '='))
    return fail(request, Error::NotSupported, "only a device name or PARTUUID= is supported");

  const char* name = starts_with(value, kDevPrefix) ? value + sizeof kDevPrefix - 1 : value;
  if (!*name) return fail(request, Error::Invalid, "no device name");
  // /dev/disk/by-*/..., major:minor: no such directories or numbers here.
  if (contains(name, '/') || contains(name, ':'))
    return fail(request, Error::NotSupported, "only a device name or PARTUUID= is supported");
  if (length(name) > kMaxRootNameLength) return fail(request, Error::Invalid, "device name too long");
  request.kind = RootRequest::Kind::Name;
  copy(request.name, sizeof request.name, name);
  return {};
}

// "(have: vda vda1 vda2)" for a message saying something was not found.
void list_candidates(Message& m, const RootCandidate* candidates, size_t count) {
  if (count == 0) {
    m.add(" (no block devices)");
    return;
  }
  m.add(" (have:");
  for (size_t i = 0; i < count; i++) m.add(" %s", candidates[i].name ? candidates[i].name : "?");
  m.add(")");
}

bool is_rivet_root_partition(const RootCandidate& c) { return c.partition && c.type == kRivetRootType; }

}  // namespace

Result<void> parse_root_request(const char* cmdline, RootRequest& request) {
  request = RootRequest{};
  if (!cmdline) return {};
  // The last root= wins, as in Linux; only that one is interpreted.
  static_assert(kMaxWordLength + 1 > kMaxRootArgLength);
  char root_value[kMaxWordLength + 1];
  bool root_truncated = false;
  bool have_root = false;
  Word word;
  for (const char* p = next_word(cmdline, word); p; p = next_word(p, word)) {
    if (!word.value && equal(word.text, "--")) break;  // the rest is for init
    if (word.value && equal(word.text, "root")) {
      have_root = true;
      copy(root_value, sizeof root_value, word.value);
      root_truncated = word.text_length > kMaxWordLength;
    } else if (equal(word.text, "rootwait")) {
      // Linux 6.4 added rootwait=<seconds>; Rivet waits without a limit.
      request.rootwait = true;
    }
  }
  if (!have_root) return {};
  return parse_root_value(root_value, root_truncated, request);
}

Result<void> choose_root(const RootRequest& request, const RootCandidate* candidates, size_t count,
                         RootChoice& choice) {
  choice = RootChoice{};
  Message m{choice.reason, sizeof choice.reason};
  auto chosen = [&](size_t i) { choice.index = i; };

  switch (request.kind) {
    case RootRequest::Kind::Name:
      for (size_t i = 0; i < count; i++) {
        if (candidates[i].name && equal(candidates[i].name, request.name)) {
          chosen(i);
          m.add("root is %s (root=%s)", request.name, request.given);
          return {};
        }
      }
      m.add("root=%s: no such device", request.given);
      list_candidates(m, candidates, count);
      return Error::NotFound;

    case RootRequest::Kind::PartUuid: {
      size_t matches = 0;
      for (size_t i = 0; i < count; i++) {
        if (!candidates[i].partition || candidates[i].unique != request.partuuid) continue;
        if (matches++ == 0) chosen(i);
      }
      if (matches == 0) {
        m.add("root=%s: no partition has this GUID", request.given);
        list_candidates(m, candidates, count);
        return Error::NotFound;
      }
      m.add("root is %s (root=%s", candidates[choice.index].name, request.given);
      // Cloned cards share GUIDs; say so rather than pick quietly.
      if (matches > 1) m.add("; %zu partitions carry it, took the first", matches);
      m.add(")");
      return {};
    }

    case RootRequest::Kind::Automatic:
      break;
  }

  for (size_t i = 0; i < count; i++) {
    if (!candidates[i].ram_disk && is_rivet_root_partition(candidates[i])) {
      chosen(i);
      m.add("root is %s (first Rivet root partition)", candidates[i].name);
      return {};
    }
  }
  for (size_t i = 0; i < count; i++) {
    if (candidates[i].ram_disk && !candidates[i].partition && candidates[i].rivet_fs) {
      chosen(i);
      m.add("root is %s (initrd; no Rivet root partition on any disk)", candidates[i].name);
      return {};
    }
  }
  for (size_t i = 0; i < count; i++) {
    if (candidates[i].ram_disk && is_rivet_root_partition(candidates[i])) {
      chosen(i);
      m.add("root is %s (Rivet root partition on the initrd; none on any disk)", candidates[i].name);
      return {};
    }
  }
  m.add("no root: no Rivet root partition on any disk and no Rivet file system in an initrd");
  list_candidates(m, candidates, count);
  return Error::NotFound;
}

Result<size_t> choose_swap(const RootCandidate* candidates, size_t count, size_t root) {
  for (size_t i = 0; i < count; i++) {
    if (i == root || !candidates[i].partition || candidates[i].ram_disk || candidates[i].type != guid::kLinuxSwap)
      continue;
    return i;
  }
  return Error::NotFound;
}

Result<void> choose_root(const char* cmdline, const RootCandidate* candidates, size_t count, RootChoice& choice) {
  RootRequest request;
  if (auto parsed = parse_root_request(cmdline, request); !parsed) {
    choice = RootChoice{};
    copy(choice.reason, sizeof choice.reason, request.error);
    return parsed;
  }
  return choose_root(request, candidates, count, choice);
}

Result<void> partition_name(const char* disk, uint32_t number, char* out, size_t size) {
  if (size > 0) out[0] = '\0';
  if (!disk || !*disk) return Error::Invalid;
  size_t len = length(disk);
  bool ends_in_digit = disk[len - 1] >= '0' && disk[len - 1] <= '9';
  size_t full = snformat(out, size, "%s%s%u", disk, ends_in_digit ? "p" : "", number);
  if (full >= size) return Error::NameTooLong;
  return {};
}

}  // namespace rivet::block
