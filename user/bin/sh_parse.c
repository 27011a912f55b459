/* The shell's parser; see sh_parse.h. A tokenizer over the line and a
   recursive-descent parser over the tokens, allocating only from the arena. */
#include "sh_parse.h"

#ifdef RIVET_HOST_TEST
#include <stddef.h>
#include <string.h>
#else
#include "kernel/types.h"
#include "user/user.h"
#endif

enum token_type {
  TOK_END,
  TOK_WORD,
  TOK_PIPE,    /* | */
  TOK_SEMI,    /* ; */
  TOK_AMP,     /* & */
  TOK_LPAREN,  /* ( */
  TOK_RPAREN,  /* ) */
  TOK_REDIR,   /* < > >> with an optional fd digit */
};

struct token {
  enum token_type type;
  char* word;              /* TOK_WORD: in the arena */
  int fd;                  /* TOK_REDIR */
  enum sh_redir_mode mode; /* TOK_REDIR */
  const char* at;          /* where it starts, for messages */
  int assignment;          /* TOK_WORD: starts with an unquoted NAME= */
};

struct parser {
  const char* p;  /* the next unread character */
  struct sh_arena* arena;
  struct token tok;  /* the current token */
  char* error;
  int error_size;
  int failed;
  sh_lookup_fn lookup;  /* null: no expansion */
  void* lookup_context;
  int raw;              /* keep words as typed (quotes and '$'), for sh_expand_word */
  char* buf;            /* where words go: the arena's text, or sh_expand_word's out */
  int* used;
  int cap;
};

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
static int is_special(char c) { return c == '|' || c == '<' || c == '>' || c == ';' || c == '&' || c == '(' || c == ')'; }

static void copy_text(char* dst, const char* src, int size) {
  int i = 0;
  for (; i + 1 < size && src[i] != '\0'; i++) dst[i] = src[i];
  if (size > 0) dst[i] = '\0';
}

static void append(char* dst, const char* src, int size) {
  int len = (int)strlen(dst);
  copy_text(dst + len, src, size - len);
}

/* Records the first error: the message and the token it was found at. */
static void fail(struct parser* ps, const char* message, const char* near) {
  if (ps->failed) return;
  ps->failed = 1;
  if (ps->error == NULL || ps->error_size <= 0) return;
  copy_text(ps->error, message, ps->error_size);
  if (near == NULL) return;
  char shown[16];
  int n = 0;
  if (*near == '\0') {
    copy_text(shown, "end of line", sizeof shown);
  } else if (is_special(*near)) {
    shown[n++] = *near;
    if (near[0] == '>' && near[1] == '>') shown[n++] = '>';
    shown[n] = '\0';
  } else {
    while (n + 1 < (int)sizeof shown && near[n] != '\0' && !is_blank(near[n]) && !is_special(near[n])) {
      shown[n] = near[n];
      n++;
    }
    shown[n] = '\0';
  }
  append(ps->error, " near '", ps->error_size);
  append(ps->error, shown, ps->error_size);
  append(ps->error, "'", ps->error_size);
}

static int is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

int sh_is_assignment(const char* word) {
  if (!is_name_start(word[0])) return 0;
  int i = 1;
  while (is_name_char(word[i])) i++;
  return word[i] == '=';
}

/* Appends one byte to the word being built; fails when the arena is full. */
static int put_char(struct parser* ps, char ch) {
  if (*ps->used + 1 >= ps->cap) {
    fail(ps, "line too long", NULL);
    return -1;
  }
  ps->buf[(*ps->used)++] = ch;
  return 0;
}

/* ps->p is at a '$' outside single quotes: appends the variable's value
   (or the '$' itself when no name follows) and moves past the reference. */
static int expand(struct parser* ps) {
  const char* p = ps->p + 1;
  char name[64];
  int n = 0;
  if (*p == '{') {
    p++;
    while (is_name_char(*p) && n + 1 < (int)sizeof name) name[n++] = *p++;
    if (n == 0 && (*p == '?' || *p == '$' || *p == '!')) name[n++] = *p++;
    if (*p != '}' || n == 0) {
      fail(ps, "bad substitution", ps->p);
      return -1;
    }
    p++;
  } else if (*p == '?' || *p == '$' || *p == '!' || (*p >= '0' && *p <= '9')) {
    name[n++] = *p++;
  } else if (is_name_start(*p)) {
    while (is_name_char(*p) && n + 1 < (int)sizeof name) name[n++] = *p++;
  } else {
    ps->p++;  /* "$" at the end, before a blank, a quote, ...: a plain '$' */
    return put_char(ps, '$');
  }
  name[n] = '\0';
  ps->p = p;
  const char* value = ps->lookup(ps->lookup_context, name);
  for (; value != NULL && *value != '\0'; value++) {
    if (put_char(ps, *value) < 0) return -1;
  }
  return 0;
}

static void read_word(struct parser* ps);

/* Reads the next token into ps->tok. */
static void next_token(struct parser* ps) {
  struct token* t = &ps->tok;
  while (is_blank(*ps->p)) ps->p++;
  if (*ps->p == '#') {  /* a comment runs to the end of the line */
    while (*ps->p != '\0') ps->p++;
  }
  t->at = ps->p;
  t->word = NULL;
  char c = *ps->p;
  if (c == '\0') {
    t->type = TOK_END;
    return;
  }
  /* N> and N< : a single digit right before the redirection. */
  if (c >= '0' && c <= '9' && (ps->p[1] == '<' || ps->p[1] == '>')) {
    t->fd = c - '0';
    ps->p++;
    c = *ps->p;
  } else {
    t->fd = c == '<' ? 0 : 1;
  }
  switch (c) {
    case '|': t->type = TOK_PIPE; ps->p++; return;
    case ';': t->type = TOK_SEMI; ps->p++; return;
    case '&': t->type = TOK_AMP; ps->p++; return;
    case '(': t->type = TOK_LPAREN; ps->p++; return;
    case ')': t->type = TOK_RPAREN; ps->p++; return;
    case '<':
      t->type = TOK_REDIR;
      t->mode = SH_READ;
      ps->p++;
      return;
    case '>':
      t->type = TOK_REDIR;
      ps->p++;
      if (*ps->p == '>') {
        t->mode = SH_APPEND;
        ps->p++;
      } else {
        t->mode = SH_WRITE;
      }
      return;
    default: break;
  }
  t->type = TOK_WORD;
  t->assignment = sh_is_assignment(ps->p);
  read_word(ps);
}

/* Copies the word at ps->p into ps->buf: quoted parts without their quotes
   and with variables expanded (as far as ps->lookup says), or, in raw
   mode, exactly as typed. Only the characters as typed decide whether a
   word is an assignment, not values expanded into it. */
static void read_word(struct parser* ps) {
  struct token* t = &ps->tok;
  t->word = ps->buf + *ps->used;
  while (*ps->p != '\0' && !is_blank(*ps->p) && !is_special(*ps->p)) {
    char ch = *ps->p;
    if (ch == '\'' || ch == '"') {
      ps->p++;
      const char* close = ps->p;
      while (*close != '\0' && *close != ch) close++;
      if (*close == '\0') {
        fail(ps, "unterminated quote", t->at);
        t->type = TOK_END;
        return;
      }
      if (ps->raw && put_char(ps, ch) < 0) break;
      while (ps->p < close) {
        if (ps->raw) {
          if (put_char(ps, *ps->p++) < 0) break;
          continue;
        }
        if (ch == '"' && *ps->p == '$' && ps->lookup != NULL) {
          if (expand(ps) < 0) break;
          continue;
        }
        if (put_char(ps, *ps->p++) < 0) break;
      }
      if (ps->failed || ps->p > close) {  /* ${...} cannot run past the quote */
        if (!ps->failed) fail(ps, "bad substitution", t->at);
        t->type = TOK_END;
        return;
      }
      if (ps->raw && put_char(ps, ch) < 0) {
        t->type = TOK_END;
        return;
      }
      ps->p = close + 1;
      continue;
    }
    if (ch == '$' && ps->lookup != NULL && !ps->raw) {
      if (expand(ps) < 0) {
        t->type = TOK_END;
        return;
      }
      continue;
    }
    ps->p++;
    if (put_char(ps, ch) < 0) {
      t->type = TOK_END;
      return;
    }
  }
  if (put_char(ps, '\0') < 0) t->type = TOK_END;
}

static struct sh_node* new_node(struct parser* ps, enum sh_node_type type) {
  struct sh_arena* a = ps->arena;
  if (a->node_count == SH_MAX_NODES) {
    fail(ps, "too many commands", NULL);
    return NULL;
  }
  struct sh_node* n = &a->nodes[a->node_count++];
  memset(n, 0, sizeof *n);
  n->type = type;
  return n;
}

static struct sh_node* parse_list(struct parser* ps);

/* The current token is TOK_REDIR: adds it and its file name to node. */
static void parse_redir(struct parser* ps, struct sh_node* node) {
  struct token redir = ps->tok;
  next_token(ps);
  if (ps->tok.type != TOK_WORD) {
    fail(ps, "missing file name for redirection", ps->tok.at);
    return;
  }
  if (node->redir_count == SH_MAX_REDIRS) {
    fail(ps, "too many redirections", redir.at);
    return;
  }
  struct sh_redir* r = &node->redirs[node->redir_count++];
  r->fd = redir.fd;
  r->mode = redir.mode;
  r->path = ps->tok.word;
  next_token(ps);
}

static struct sh_node* parse_command(struct parser* ps) {
  if (ps->tok.type == TOK_LPAREN) {
    next_token(ps);
    struct sh_node* node = new_node(ps, SH_SUBSHELL);
    if (node == NULL) return NULL;
    node->left = parse_list(ps);
    if (ps->failed) return NULL;
    if (node->left == NULL) {
      fail(ps, "syntax error", ps->tok.at);
      return NULL;
    }
    if (ps->tok.type != TOK_RPAREN) {
      fail(ps, "syntax error: missing ')'", ps->tok.at);
      return NULL;
    }
    next_token(ps);
    while (!ps->failed && ps->tok.type == TOK_REDIR) parse_redir(ps, node);
    if (!ps->failed && (ps->tok.type == TOK_WORD || ps->tok.type == TOK_LPAREN)) {
      fail(ps, "syntax error", ps->tok.at);
    }
    return ps->failed ? NULL : node;
  }
  if (ps->tok.type != TOK_WORD && ps->tok.type != TOK_REDIR) {
    fail(ps, "syntax error", ps->tok.at);
    return NULL;
  }
  struct sh_node* node = new_node(ps, SH_EXEC);
  if (node == NULL) return NULL;
  while (!ps->failed && (ps->tok.type == TOK_WORD || ps->tok.type == TOK_REDIR)) {
    if (ps->tok.type == TOK_REDIR) {
      parse_redir(ps, node);
      continue;
    }
    if (node->argc == SH_MAX_ARGS) {
      fail(ps, "too many arguments", ps->tok.at);
      return NULL;
    }
    if (node->argc == node->assigns && ps->tok.assignment) node->assigns++;
    node->argv[node->argc++] = ps->tok.word;
    next_token(ps);
  }
  if (!ps->failed && ps->tok.type == TOK_LPAREN) fail(ps, "syntax error", ps->tok.at);
  if (!ps->failed && node->argc == 0) fail(ps, "missing command", ps->tok.at);
  return ps->failed ? NULL : node;
}

static struct sh_node* parse_pipeline(struct parser* ps) {
  struct sh_node* left = parse_command(ps);
  if (left == NULL || ps->tok.type != TOK_PIPE) return left;
  next_token(ps);
  struct sh_node* right = parse_pipeline(ps);
  if (right == NULL) return NULL;
  struct sh_node* node = new_node(ps, SH_PIPE);
  if (node == NULL) return NULL;
  node->left = left;
  node->right = right;
  return node;
}

/* A list ends at the end of the line or at ')'. */
static struct sh_node* parse_list(struct parser* ps) {
  if (ps->tok.type == TOK_END || ps->tok.type == TOK_RPAREN) return NULL;
  struct sh_node* first = parse_pipeline(ps);
  if (first == NULL) return NULL;
  if (ps->tok.type == TOK_AMP) {
    next_token(ps);
    struct sh_node* back = new_node(ps, SH_BACK);
    if (back == NULL) return NULL;
    back->left = first;
    first = back;
  } else if (ps->tok.type == TOK_SEMI) {
    next_token(ps);
  } else {
    if (ps->tok.type != TOK_END && ps->tok.type != TOK_RPAREN) fail(ps, "syntax error", ps->tok.at);
    return ps->failed ? NULL : first;
  }
  struct sh_node* rest = parse_list(ps);
  if (ps->failed) return NULL;
  if (rest == NULL) return first;
  struct sh_node* seq = new_node(ps, SH_SEQ);
  if (seq == NULL) return NULL;
  seq->left = first;
  seq->right = rest;
  return seq;
}

static int parse(const char* line, int raw, struct sh_arena* arena, struct sh_node** out, char* error,
                 int error_size) {
  struct parser ps;
  memset(&ps, 0, sizeof ps);
  ps.p = line;
  ps.raw = raw;
  ps.buf = arena->text;
  ps.used = &arena->text_used;
  ps.cap = (int)sizeof arena->text;
  ps.arena = arena;
  ps.error = error;
  ps.error_size = error_size;
  arena->node_count = 0;
  arena->text_used = 0;
  *out = NULL;
  if (error != NULL && error_size > 0) error[0] = '\0';
  if ((int)strlen(line) >= SH_MAX_LINE) {
    fail(&ps, "line too long", NULL);
    return -1;
  }
  next_token(&ps);
  struct sh_node* tree = parse_list(&ps);
  if (!ps.failed && ps.tok.type != TOK_END) fail(&ps, "syntax error", ps.tok.at);
  if (ps.failed) return -1;
  *out = tree;
  return 0;
}

int sh_parse(const char* line, struct sh_arena* arena, struct sh_node** out, char* error, int error_size) {
  return parse(line, 0, arena, out, error, error_size);
}

int sh_parse_raw(const char* line, struct sh_arena* arena, struct sh_node** out, char* error, int error_size) {
  return parse(line, 1, arena, out, error, error_size);
}

int sh_expand_word(const char* raw, sh_lookup_fn lookup, void* context, char* out, int size, char* error,
                   int error_size) {
  struct parser ps;
  memset(&ps, 0, sizeof ps);
  int used = 0;
  ps.p = raw;
  ps.lookup = lookup;
  ps.lookup_context = context;
  ps.buf = out;
  ps.used = &used;
  ps.cap = size + 1;  /* put_char keeps a byte spare; here the NUL may take the last */
  ps.error = error;
  ps.error_size = error_size;
  if (error != NULL && error_size > 0) error[0] = '\0';
  ps.tok.at = raw;
  read_word(&ps);
  if (!ps.failed && *ps.p != '\0') fail(&ps, "not a single word", raw);  /* not from sh_parse_raw */
  return ps.failed ? -1 : used - 1;  /* read_word wrote the NUL too */
}

/* ---- sh_format --------------------------------------------------------------- */

struct text_out {
  char* dst;
  int size;
  int used;
};

static void put(struct text_out* o, const char* s) {
  for (; *s != '\0'; s++) {
    if (o->used + 1 < o->size) o->dst[o->used] = *s;
    o->used++;
  }
  if (o->size > 0) o->dst[o->used < o->size ? o->used : o->size - 1] = '\0';
}

static void format_node(struct text_out* o, const struct sh_node* n) {
  if (n == NULL) {
    put(o, "()");
    return;
  }
  static const char* const kNames[] = {"exec", "sub", "pipe", "seq", "back"};
  put(o, "(");
  put(o, kNames[n->type]);
  if (n->type == SH_EXEC) {
    for (int i = 0; i < n->argc; i++) {
      put(o, i < n->assigns ? " =" : " ");
      put(o, n->argv[i]);
    }
  } else {
    put(o, " ");
    format_node(o, n->left);
    if (n->type == SH_PIPE || n->type == SH_SEQ) {
      put(o, " ");
      format_node(o, n->right);
    }
  }
  for (int i = 0; i < n->redir_count; i++) {
    const struct sh_redir* r = &n->redirs[i];
    char fd[2] = {(char)('0' + r->fd), '\0'};
    put(o, r->mode == SH_READ ? " (< " : r->mode == SH_WRITE ? " (> " : " (>> ");
    put(o, fd);
    put(o, " ");
    put(o, r->path);
    put(o, ")");
  }
  put(o, ")");
}

int sh_format(const struct sh_node* node, char* out, int size) {
  struct text_out o = {out, size, 0};
  if (size > 0) out[0] = '\0';
  format_node(&o, node);
  return o.used;
}
