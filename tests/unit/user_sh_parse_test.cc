// Tests of the shell's parser (user/bin/sh_parse.c): each command line maps
// to the expected tree, and each malformed line to a clear message.
#include "sh_parse.h"

#include <gtest/gtest.h>

#include <map>
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

// ---- variables (sh_parse_raw, then sh_expand_word per word) --------------------

// The variables the expansion tests see: "?" is the last status.
const std::map<std::string, std::string> kVars = {
    {"?", "1"}, {"HOME", "/home"}, {"X", "x y"}, {"EMPTY", ""}, {"A_1", "a1"}, {"0", "sh"},
    {"LONG", std::string(300, 'l')}};

const char* lookup(void*, const char* name) {
  auto it = kVars.find(name);
  return it == kVars.end() ? nullptr : it->second.c_str();
}

// Every word of a tree expanded into one shared buffer, as the shell does.
struct Expander {
  char text[SH_MAX_LINE * 4];
  int used = 0;
  char error[128] = "";
  bool word(char*& w) {
    int n = sh_expand_word(w, lookup, nullptr, text + used, static_cast<int>(sizeof text) - used, error, sizeof error);
    if (n < 0) return false;
    w = text + used;
    used += n + 1;
    return true;
  }
  bool node(sh_node* n) {
    if (n == nullptr) return true;
    for (int i = 0; i < n->argc; i++)
      if (!word(n->argv[i])) return false;
    for (int i = 0; i < n->redir_count; i++)
      if (!word(n->redirs[i].path)) return false;
    return node(n->left) && node(n->right);
  }
};

// Parses line raw, then expands each word (the shell's way).
std::string expand(const std::string& line) {
  auto arena = std::make_unique<sh_arena>();
  sh_node* tree = nullptr;
  char error[128];
  if (sh_parse_raw(line.c_str(), arena.get(), &tree, error, sizeof error) != 0) {
    return std::string("error: ") + error;
  }
  if (tree == nullptr) return "empty";
  auto expander = std::make_unique<Expander>();
  if (!expander->node(tree)) return std::string("error: ") + expander->error;
  char out[4096];
  sh_format(tree, out, sizeof out);
  return out;
}

// sh_parse_raw keeps words as typed, quotes and all.
TEST(ShParseVars, RawWords) {
  auto arena = std::make_unique<sh_arena>();
  sh_node* tree = nullptr;
  ASSERT_EQ(sh_parse_raw("X=$A echo '$HOME x' \"${Y}\"z > $F", arena.get(), &tree, nullptr, 0), 0);
  char out[256];
  sh_format(tree, out, sizeof out);
  EXPECT_STREQ(out, "(exec =X=$A echo '$HOME x' \"${Y}\"z (> 1 $F))");
}

// $?, $NAME and ${NAME} become their values; a value is one word even with
// a blank in it (no field splitting); an unset variable is empty.
TEST(ShParseVars, Expands) {
  EXPECT_EQ(expand("echo $?"), "(exec echo 1)");
  EXPECT_EQ(expand("echo $HOME/bin"), "(exec echo /home/bin)");
  EXPECT_EQ(expand("echo ${HOME}x $A_1."), "(exec echo /homex a1.)");
  EXPECT_EQ(expand("echo $X"), "(exec echo x y)");
  EXPECT_EQ(expand("echo a${UNSET}b $UNSET"), "(exec echo ab )");
  EXPECT_EQ(expand("echo $EMPTY|cat"), "(pipe (exec echo ) (exec cat))");
  EXPECT_EQ(expand("echo $0 $?$?"), "(exec echo sh 11)");
  EXPECT_EQ(expand("cat < $HOME > ${X}"), "(exec cat (< 0 /home) (> 1 x y))");
}

// A '$' not followed by a name is kept: at the end, before a blank, a
// quote or punctuation.
TEST(ShParseVars, LoneDollar) {
  EXPECT_EQ(expand("echo $"), "(exec echo $)");
  EXPECT_EQ(expand("echo $ a"), "(exec echo $ a)");
  EXPECT_EQ(expand("echo a$"), "(exec echo a$)");
  EXPECT_EQ(expand("echo $-x $/"), "(exec echo $-x $/)");
  EXPECT_EQ(expand("echo \"$\""), "(exec echo $)");
}

// Single quotes stop expansion; double quotes keep it.
TEST(ShParseVars, Quotes) {
  EXPECT_EQ(expand("echo '$HOME' \"$HOME\" \"${HOME}\"'$?'"), "(exec echo $HOME /home /home$?)");
  EXPECT_EQ(expand("echo \"a $X b\""), "(exec echo a x y b)");
  EXPECT_EQ(expand("echo \"$\"HOME"), "(exec echo $HOME)");
}

// Malformed ${...} is an error, never a crash; sh_parse (no lookup) leaves
// every '$' alone.
TEST(ShParseVars, BadSubstitution) {
  EXPECT_EQ(expand("echo ${HOME"), "error: bad substitution near '${HOME'");
  EXPECT_EQ(expand("echo ${}"), "error: bad substitution near '${}'");
  EXPECT_EQ(expand("echo ${-}"), "error: bad substitution near '${-}'");
  EXPECT_EQ(expand("echo \"${HOME\"}"), "error: bad substitution near '${HOME\"}'");
  EXPECT_EQ(parse("echo $HOME ${X}"), "(exec echo $HOME ${X})");
  char out[8];
  EXPECT_EQ(sh_expand_word("a b", lookup, nullptr, out, sizeof out, nullptr, 0), -1);  // not one word
  EXPECT_EQ(sh_expand_word("$HOME/x", lookup, nullptr, out, sizeof out, nullptr, 0), 7);
  EXPECT_STREQ(out, "/home/x");
  EXPECT_EQ(sh_expand_word("$HOME/xy", lookup, nullptr, out, sizeof out, nullptr, 0), -1);  // 9 bytes
}

// Leading NAME=value words are assignments (marked '=' by sh_format); an
// '=' later, in a quoted or expanded name, or after a bad name is not.
TEST(ShParseVars, Assignments) {
  EXPECT_EQ(expand("A=1"), "(exec =A=1)");
  EXPECT_EQ(expand("A=1 B=$HOME env"), "(exec =A=1 =B=/home env)");
  EXPECT_EQ(expand("env A=1"), "(exec env A=1)");
  EXPECT_EQ(expand("'A'=1 x"), "(exec A=1 x)");
  EXPECT_EQ(expand("1A=1 _b=2"), "(exec 1A=1 _b=2)");
  EXPECT_EQ(expand("_b2=' x ' c"), "(exec =_b2= x  c)");
  EXPECT_EQ(expand("A= x"), "(exec =A= x)");
  EXPECT_EQ(sh_is_assignment("PATH=/bin"), 1);
  EXPECT_EQ(sh_is_assignment("=x"), 0);
  EXPECT_EQ(sh_is_assignment("A-B=x"), 0);
}

// Values that overflow the arena fail with "line too long"; every prefix
// of lines with references parses or fails cleanly (ASan watches).
TEST(ShParseVars, LimitsAndPrefixes) {
  std::string line = "echo";
  for (int i = 0; i < 6; i++) line += " $LONG";
  EXPECT_EQ(expand(line).rfind("(exec echo lll", 0), 0u);
  for (int i = 0; i < 6; i++) line += " $LONG";
  EXPECT_EQ(expand(line), "error: line too long");
  const std::string lines[] = {"A=$X echo \"${HOME}\" '$?' $ ${A_1}x", "echo ${?} \"$\""};
  for (const std::string& l : lines) {
    for (size_t n = 0; n <= l.size(); n++) expand(l.substr(0, n));
  }
}

}  // namespace
