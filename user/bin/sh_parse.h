/* The shell's parser: a command line into a tree. Pure C, no system calls
   (it allocates from a caller-supplied arena), so the host unit tests
   compile it as it is.

   Grammar (xv6's, with '>>', 'N>' and quotes):
     line     := list?
     list     := pipeline ((';' | '&') pipeline?)*
     pipeline := command ('|' command)*
     command  := '(' list ')' redir*  |  (word | redir)+
     redir    := [digit] ('<' | '>' | '>>') word
   A word is a run of characters other than blanks and | < > ; & ( ),
   with '...' and "..." quoting (no escapes inside); '#' at the start of a
   word begins a comment.

   Variables (sh_expand_word): $NAME, ${NAME} and $? (and $0-$9, $$, $!
   as one-character names) are replaced by their values, found with a
   caller-supplied lookup (an unset variable is empty), outside quotes and
   inside "...", not inside '...'. A '$' not followed by a name stays a '$'.
   The value is not split into words or globbed: "$X" and $X are the same.
   The shell parses a line with sh_parse_raw, which keeps each word as
   typed, and expands each word just before its command runs, so in
   "false; echo $?" the $? is false's status. Words at the start of a
   command that begin with an unquoted NAME= are assignments (node->assigns
   counts them; they stay in argv). */
#ifndef RIVET_SH_PARSE_H
#define RIVET_SH_PARSE_H

#ifdef __cplusplus
extern "C" {
#endif

#define SH_MAX_ARGS 32    /* words per command (MAXARG) */
#define SH_MAX_REDIRS 4   /* redirections per command */
#define SH_MAX_NODES 64   /* commands per line */
#define SH_MAX_LINE 512   /* bytes per line */

enum sh_node_type {
  SH_EXEC,      /* argv, with redirections */
  SH_SUBSHELL,  /* ( left ), with redirections */
  SH_PIPE,      /* left | right */
  SH_SEQ,       /* left ; right (right may be null) */
  SH_BACK,      /* left & */
};

/* Redirection open modes. */
enum sh_redir_mode { SH_READ, SH_WRITE, SH_APPEND };

struct sh_redir {
  int fd;                   /* 0 for '<', 1 for '>' unless a digit says otherwise */
  enum sh_redir_mode mode;
  char* path;
};

struct sh_node {
  enum sh_node_type type;
  int argc;
  char* argv[SH_MAX_ARGS + 1];  /* null-terminated */
  int assigns;                  /* argv[0..assigns-1] are NAME=value assignments */
  int redir_count;
  struct sh_redir redirs[SH_MAX_REDIRS];
  struct sh_node* left;
  struct sh_node* right;
};

/* Everything a parsed line needs; no other memory is used. */
struct sh_arena {
  struct sh_node nodes[SH_MAX_NODES];
  int node_count;
  char text[SH_MAX_LINE * 4];  /* the words, NUL terminated (room for expanded values) */
  int text_used;
};

/* Parses line. On success returns 0 and sets *out (null for an empty
   line). On failure returns -1 and writes a message ("syntax error near
   ')'") into error (error_size bytes). */
int sh_parse(const char* line, struct sh_arena* arena, struct sh_node** out, char* error, int error_size);

/* sh_parse, but every word (argv and redirection paths) is kept exactly as
   typed, quotes and '$' included, for sh_expand_word. */
int sh_parse_raw(const char* line, struct sh_arena* arena, struct sh_node** out, char* error, int error_size);

/* Looks up a variable for expansion: its value, or null if unset. name is
   NUL terminated ("?" for $?). */
typedef const char* (*sh_lookup_fn)(void* context, const char* name);

/* Expands one word from sh_parse_raw into out (size bytes): quotes removed,
   variables replaced through lookup. Returns its length, or -1 with a
   message in error: "line too long" when out is too small, "bad
   substitution" for "${" without '}' or a bad name inside. */
int sh_expand_word(const char* raw, sh_lookup_fn lookup, void* context, char* out, int size, char* error,
                   int error_size);

/* 1 if word begins with NAME= (a letter or '_', then letters, digits, '_'). */
int sh_is_assignment(const char* word);

/* Writes the tree as an S-expression, for tests: (exec echo hi (> 1 f)),
   assignments marked with a leading '=' ((exec =A=1 env)),
   (pipe A B), (seq A B), (back A), (sub A). Returns the length written. */
int sh_format(const struct sh_node* node, char* out, int size);

#ifdef __cplusplus
}
#endif

#endif
