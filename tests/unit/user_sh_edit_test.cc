// Tests of the shell's line editor (user/bin/sh_edit.c): keys in, the line
// and the bytes written to the terminal out. A tiny terminal model replays
// those bytes ('\b' left, '\n' new line, ESC [H ESC [2J clear, anything else
// overwrites at the cursor) so a test can check what the screen shows, not
// only which bytes were sent.
#include "sh_edit.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <memory>
#include <string>
#include <vector>

namespace {

struct Screen {
  std::vector<std::string> rows{""};
  size_t col = 0;
  std::string raw;  // everything written
  void feed(const std::string& bytes) {
    raw += bytes;
    for (size_t i = 0; i < bytes.size(); i++) {
      char c = bytes[i];
      if (bytes.compare(i, 7, "\x1b[H\x1b[2J") == 0) {
        rows.assign(1, "");
        col = 0;
        i += 6;
      } else if (c == '\b') {
        if (col > 0) col--;
      } else if (c == '\n') {
        rows.emplace_back();
        col = 0;
      } else {
        std::string& row = rows.back();
        if (row.size() <= col) row.resize(col + 1, ' ');
        row[col++] = c;
      }
    }
  }
  // The last row, without trailing blanks (what an erased tail leaves).
  std::string last() const {
    std::string r = rows.back();
    while (!r.empty() && r.back() == ' ') r.pop_back();
    return r;
  }
};

// Candidates: commands "echo", "env", "exit", "ls"; in "/": "bin/" and
// "boot.txt"; in "/bin/": "cat", "cp". Records what it was asked.
struct Fixture {
  std::unique_ptr<sh_edit> e = std::make_unique<sh_edit>();
  Screen screen;
  std::string asked;
  int asked_first = -1;

  Fixture() {
    sh_edit_init(e.get(), write, complete, this);
    sh_edit_begin(e.get(), "/ $ ");
  }
  static void write(void* self, const char* text, int n) {
    static_cast<Fixture*>(self)->screen.feed(std::string(text, n));
  }
  static void add(sh_edit_matches* m, const char* name, int dir) {
    snprintf(m->names[m->count], SH_EDIT_NAME, "%s", name);
    m->is_dir[m->count++] = static_cast<char>(dir);
  }
  static void complete(void* self, const char* word, int first_word, sh_edit_matches* m) {
    auto* f = static_cast<Fixture*>(self);
    f->asked = word;
    f->asked_first = first_word;
    std::string w = word;
    auto slash = w.rfind('/');
    std::string dir = slash == std::string::npos ? "" : w.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? w : w.substr(slash + 1);
    std::vector<std::pair<std::string, int>> all;
    if (first_word && dir.empty()) all = {{"echo", 0}, {"env", 0}, {"exit", 0}, {"ls", 0}};
    else if (dir == "/") all = {{"bin", 1}, {"boot.txt", 0}};
    else if (dir == "/bin/") all = {{"cp", 0}, {"cat", 0}};
    for (auto& [name, is_dir] : all) {
      if (name.compare(0, base.size(), base) == 0) add(m, name.c_str(), is_dir);
    }
  }
  // Feeds keys; returns the last result.
  int type(const std::string& keys) {
    int r = SH_EDIT_MORE;
    for (char c : keys) r = sh_edit_key(e.get(), static_cast<unsigned char>(c));
    return r;
  }
  std::string line() const { return std::string(e->line, e->len); }
};

// Typed characters are echoed once and Enter ends the line.
TEST(ShEdit, TypingAndEnter) {
  Fixture f;
  EXPECT_EQ(f.type("echo hi"), SH_EDIT_MORE);
  EXPECT_EQ(f.screen.raw, "/ $ echo hi");
  EXPECT_EQ(f.type("\r"), SH_EDIT_LINE);
  EXPECT_STREQ(f.e->line, "echo hi");
  EXPECT_EQ(f.screen.raw, "/ $ echo hi\n");
}

// Left arrow then a key inserts before the cursor; the screen shows the
// whole line and Enter gives it whole: "echo ac" <- "b" is "echo abc".
TEST(ShEdit, InsertInTheMiddle) {
  Fixture f;
  f.type("echo ac\x1b[Db");
  EXPECT_EQ(f.line(), "echo abc");
  EXPECT_EQ(f.e->cursor, 7);
  EXPECT_EQ(f.screen.last(), "/ $ echo abc");
  EXPECT_EQ(f.screen.col, 4u + 7u);
  EXPECT_EQ(f.type("\n"), SH_EDIT_LINE);
  EXPECT_STREQ(f.e->line, "echo abc");
}

// Home and End in every encoding, and ^A ^E, move to either end; right
// arrow moves forward; ^B ^F too.
TEST(ShEdit, HomeEndAndArrows) {
  const char* homes[] = {"\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01"};
  const char* ends[] = {"\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05"};
  for (const char* home : homes) {
    for (const char* end : ends) {
      Fixture f;
      f.type("bc");
      f.type(home);
      EXPECT_EQ(f.e->cursor, 0) << home;
      f.type("a");
      f.type(end);
      f.type("d");
      EXPECT_EQ(f.line(), "abcd");
      EXPECT_EQ(f.screen.last(), "/ $ abcd");
    }
  }
  Fixture f;
  f.type("ac\x01\x1b[C\x1b[C\x1b[C\x02" "b\x06!");
  EXPECT_EQ(f.line(), "abc!");
  EXPECT_EQ(f.screen.last(), "/ $ abc!");
}

// Backspace and DEL erase before the cursor, Delete and ^D under it; the
// screen loses the character too.
TEST(ShEdit, Erasing) {
  Fixture f;
  f.type("abcd\x7f\b");
  EXPECT_EQ(f.line(), "ab");
  EXPECT_EQ(f.screen.last(), "/ $ ab");
  f.type("\x01\x1b[3~");
  EXPECT_EQ(f.line(), "b");
  f.type("\x04");
  EXPECT_EQ(f.line(), "");
  EXPECT_EQ(f.screen.last(), "/ $");
  f.type("\x7f");  // nothing to erase: nothing happens
  EXPECT_EQ(f.line(), "");
}

// ^W erases the word before the cursor (and blanks after it), ^U the whole
// line, ^K from the cursor to the end.
TEST(ShEdit, WordLineAndTailErase) {
  Fixture f;
  f.type("echo one two  \x17");
  EXPECT_EQ(f.line(), "echo one ");
  f.type("\x17");
  EXPECT_EQ(f.line(), "echo ");
  EXPECT_EQ(f.screen.last(), "/ $ echo");
  f.type("x y\x01\x06\x06\x0b");
  EXPECT_EQ(f.line(), "ec");
  EXPECT_EQ(f.screen.last(), "/ $ ec");
  f.type("ho z\x1b[D\x15");
  EXPECT_EQ(f.line(), "");
  EXPECT_EQ(f.screen.last(), "/ $");
}

// ^L clears the screen and shows the prompt and the line again, cursor
// where it was.
TEST(ShEdit, ClearScreen) {
  Fixture f;
  f.type("ls -l\x1b[D\x0c");
  EXPECT_EQ(f.screen.rows.size(), 1u);
  EXPECT_EQ(f.screen.last(), "/ $ ls -l");
  EXPECT_EQ(f.screen.col, 4u + 4u);
  EXPECT_EQ(f.line(), "ls -l");
}

// ^C abandons the line, showing ^C; ^D ends input only on an empty line.
TEST(ShEdit, InterruptAndEndOfInput) {
  Fixture f;
  EXPECT_EQ(f.type("sleep 10\x1b[D\x03"), SH_EDIT_INTERRUPT);
  EXPECT_EQ(f.line(), "");
  EXPECT_EQ(f.screen.rows[0], "/ $ sleep 10^C");
  sh_edit_begin(f.e.get(), "$ ");
  EXPECT_EQ(f.type("x\x04"), SH_EDIT_MORE);
  EXPECT_EQ(f.type("\x7f\x04"), SH_EDIT_EOF);
}

// Up and Down walk the history and come back to the line being typed;
// empty lines and repeats are not kept; only the newest SH_EDIT_HISTORY stay.
TEST(ShEdit, History) {
  Fixture f;
  sh_edit_history_add(f.e.get(), "first");
  sh_edit_history_add(f.e.get(), "");
  sh_edit_history_add(f.e.get(), "second long line");
  sh_edit_history_add(f.e.get(), "second long line");
  f.type("draft");
  f.type("\x1b[A");
  EXPECT_EQ(f.line(), "second long line");
  f.type("\x1b[A");
  EXPECT_EQ(f.line(), "first");
  EXPECT_EQ(f.screen.last(), "/ $ first");  // the longer line was erased
  f.type("\x1b[A");  // no older line: stays
  EXPECT_EQ(f.line(), "first");
  f.type("\x1b[B\x1b[B");
  EXPECT_EQ(f.line(), "draft");
  f.type("\x1bOA!");
  EXPECT_EQ(f.type("\r"), SH_EDIT_LINE);
  EXPECT_STREQ(f.e->line, "second long line!");

  Fixture g;
  for (int i = 0; i < SH_EDIT_HISTORY + 5; i++) sh_edit_history_add(g.e.get(), std::to_string(i).c_str());
  EXPECT_STREQ(sh_edit_history_get(g.e.get(), 1), std::to_string(SH_EDIT_HISTORY + 4).c_str());
  EXPECT_STREQ(sh_edit_history_get(g.e.get(), SH_EDIT_HISTORY), "5");
  EXPECT_EQ(sh_edit_history_get(g.e.get(), SH_EDIT_HISTORY + 1), nullptr);
}

// Tab on the first word completes a command: a single match in full with
// a blank after it; several their common prefix, then a second Tab lists
// them and shows the prompt and line again.
TEST(ShEdit, CompleteCommands) {
  Fixture f;
  f.type("l\t");
  EXPECT_EQ(f.asked, "l");
  EXPECT_EQ(f.asked_first, 1);
  EXPECT_EQ(f.line(), "ls ");
  Fixture g;
  g.type("e\t");
  EXPECT_EQ(g.line(), "e");  // echo env exit: no common prefix beyond "e"
  g.type("\t");
  ASSERT_GE(g.screen.rows.size(), 3u);
  EXPECT_EQ(g.screen.rows[g.screen.rows.size() - 2], "echo  env  exit");
  EXPECT_EQ(g.screen.last(), "/ $ e");
  g.type("n\t");
  EXPECT_EQ(g.line(), "env ");
}

// Later words (and words after | ; or a redirection) complete paths:
// directories get '/', files ' '; the common prefix of several names.
TEST(ShEdit, CompletePaths) {
  Fixture f;
  f.type("ls /b\t");
  EXPECT_EQ(f.asked, "/b");
  EXPECT_EQ(f.asked_first, 0);
  EXPECT_EQ(f.line(), "ls /b");  // bin/ and boot.txt
  f.type("i\t");
  EXPECT_EQ(f.line(), "ls /bin/");
  f.type("c\t");
  EXPECT_EQ(f.line(), "ls /bin/c");
  f.type("\t");
  EXPECT_EQ(f.screen.rows[f.screen.rows.size() - 2], "cat  cp");  // sorted
  f.type("a\t");
  EXPECT_EQ(f.line(), "ls /bin/cat ");
  Fixture g;
  g.type("cat /bo\x01\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C\t");  // at the end of "/bo"
  EXPECT_EQ(g.line(), "cat /boot.txt ");
  Fixture h;
  h.type("echo x | ex\t");
  EXPECT_EQ(h.asked_first, 1);
  EXPECT_EQ(h.line(), "echo x | exit ");
  Fixture k;
  k.type("zz\t\t");  // no candidates: nothing happens
  EXPECT_EQ(k.line(), "zz");
}

// The line never overflows: keys past the limit are dropped, and random
// key sequences keep cursor and length consistent (ASan watches).
TEST(ShEdit, LimitsAndRandomKeys) {
  Fixture f;
  f.type(std::string(SH_EDIT_MAX + 10, 'x'));
  EXPECT_EQ(f.e->len, SH_EDIT_MAX - 1);
  Fixture g;
  const std::string keys = "ab \x1b[D\x1b[C\x1b[3~\x7f\x17\x15\x0b\x01\x05\t/\x1b[A\x1b[B\x1bOH\x1b[1;5Cq\x0c";
  unsigned seed = 1;
  for (int i = 0; i < 20000; i++) {
    seed = seed * 1103515245 + 12345;
    char c = keys[(seed >> 16) % keys.size()];
    int r = sh_edit_key(g.e.get(), static_cast<unsigned char>(c));
    ASSERT_GE(g.e->cursor, 0);
    ASSERT_LE(g.e->cursor, g.e->len);
    ASSERT_LT(g.e->len, SH_EDIT_MAX);
    if (r == SH_EDIT_LINE) sh_edit_history_add(g.e.get(), g.e->line);
    if (r != SH_EDIT_MORE) sh_edit_begin(g.e.get(), "$ ");
  }
}

}  // namespace
