// Tests of the shell's parser (user/bin/sh_parse.c): each command line maps
// to the expected tree, and each malformed line to a clear message.
#include "sh_parse.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

// Parses line; returns its tree as an S-expression, or "error: message".
std::string parse(const std::string& line) {
  auto arena = std::make_unique<sh_arena>();
  sh_node* tree = nullptr;
  char error[128];
  if (sh_parse(line.c_str(), arena.get(), &tree, error, sizeof error) != 0) return std::string("error: ") + error;
  if (tree == nullptr) return "empty";
  char out[2048];
  sh_format(tree, out, sizeof out);
  return out;
}

// Empty lines, blanks and comments are no command at all.
TEST(ShParse, EmptyLines) {
  EXPECT_EQ(parse(""), "empty");
  EXPECT_EQ(parse("   \t "), "empty");
  EXPECT_EQ(parse("# just a comment"), "empty");
}

// Words become argv; quotes group words and are removed.
TEST(ShParse, SimpleCommandsAndQuotes) {
  EXPECT_EQ(parse("ls"), "(exec ls)");
  EXPECT_EQ(parse("  echo  a   b\tc "), "(exec echo a b c)");
  EXPECT_EQ(parse("echo 'a b' \"c  d\" e'f g'h"), "(exec echo a b c  d ef gh)");
  EXPECT_EQ(parse("echo '' x"), "(exec echo  x)");
  EXPECT_EQ(parse("echo a # comment"), "(exec echo a)");
  EXPECT_EQ(parse("echo 'a|b;c'"), "(exec echo a|b;c)");
}

// < > >> and N> redirections, anywhere among the words, in order.
TEST(ShParse, Redirections) {
  EXPECT_EQ(parse("cat < in > out"), "(exec cat (< 0 in) (> 1 out))");
  EXPECT_EQ(parse("echo hi >> log"), "(exec echo hi (>> 1 log))");
  EXPECT_EQ(parse(">out echo hi"), "(exec echo hi (> 1 out))");
  EXPECT_EQ(parse("cmd 2> err"), "(exec cmd (> 2 err))");
  EXPECT_EQ(parse("echo a>b"), "(exec echo a (> 1 b))");
  EXPECT_EQ(parse("echo x > a > b"), "(exec echo x (> 1 a) (> 1 b))");
}

// Pipes associate to the right; lists and background jobs.
TEST(ShParse, PipesListsAndBackground) {
  EXPECT_EQ(parse("a | b"), "(pipe (exec a) (exec b))");
  EXPECT_EQ(parse("a | b | c"), "(pipe (exec a) (pipe (exec b) (exec c)))");
  EXPECT_EQ(parse("a ; b"), "(seq (exec a) (exec b))");
  EXPECT_EQ(parse("a ; b ;"), "(seq (exec a) (exec b))");
  EXPECT_EQ(parse("a &"), "(back (exec a))");
  EXPECT_EQ(parse("a & b"), "(seq (back (exec a)) (exec b))");
  EXPECT_EQ(parse("a | b & c ; d"), "(seq (back (pipe (exec a) (exec b))) (seq (exec c) (exec d)))");
  EXPECT_EQ(parse("sleep 1&"), "(back (exec sleep 1))");
}

// Parentheses make subshells, which take redirections too.
TEST(ShParse, Subshells) {
  EXPECT_EQ(parse("(a ; b) | c"), "(pipe (sub (seq (exec a) (exec b))) (exec c))");
  EXPECT_EQ(parse("(echo a) > out"), "(sub (exec echo a) (> 1 out))");
  EXPECT_EQ(parse("((a))"), "(sub (sub (exec a)))");
  EXPECT_EQ(parse("(a &)"), "(sub (back (exec a)))");
}

// Malformed lines give a message naming where the problem is.
TEST(ShParse, SyntaxErrors) {
  EXPECT_EQ(parse("| a"), "error: syntax error near '|'");
  EXPECT_EQ(parse("a |"), "error: syntax error near 'end of line'");
  EXPECT_EQ(parse("a ||"), "error: syntax error near '|'");
  EXPECT_EQ(parse("; a"), "error: syntax error near ';'");
  EXPECT_EQ(parse("a >"), "error: missing file name for redirection near 'end of line'");
  EXPECT_EQ(parse("a > | b"), "error: missing file name for redirection near '|'");
  EXPECT_EQ(parse("(a"), "error: syntax error: missing ')' near 'end of line'");
  EXPECT_EQ(parse("a )"), "error: syntax error near ')'");
  EXPECT_EQ(parse("()"), "error: syntax error near ')'");
  EXPECT_EQ(parse("echo 'open"), "error: unterminated quote near ''open'");
  EXPECT_EQ(parse("(a) b"), "error: syntax error near 'b'");
  EXPECT_EQ(parse("a (b)"), "error: syntax error near '('");
  EXPECT_EQ(parse("> out"), "error: missing command near 'end of line'");
}

// Limits: arguments, nodes and line length are checked, not overflowed.
TEST(ShParse, Limits) {
  std::string many = "echo";
  for (int i = 0; i < SH_MAX_ARGS - 1; i++) many += " x";
  EXPECT_EQ(parse(many).rfind("(exec echo x", 0), 0u);
  EXPECT_EQ(parse(many + " x"), "error: too many arguments near 'x'");
  std::string pipes = "a";
  for (int i = 0; i < SH_MAX_NODES; i++) pipes += " | a";
  EXPECT_EQ(parse(pipes), "error: too many commands");
  EXPECT_EQ(parse(std::string(SH_MAX_LINE, 'x')), "error: line too long");
  EXPECT_EQ(parse("a >1 >2 >3 >4 >5"), "error: too many redirections near '>'");
}

// Every prefix of some valid lines parses or fails cleanly (ASan watches).
TEST(ShParse, PrefixesNeverCrash) {
  const std::string lines[] = {"(echo 'a b' | grep a > o ; cat < o) & ls >> x", "a 2> e | (b ; c &) > f"};
  for (const std::string& line : lines) {
    for (size_t n = 0; n <= line.size(); n++) parse(line.substr(0, n));
  }
}

}  // namespace
