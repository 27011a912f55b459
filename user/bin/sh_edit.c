/* The shell's line editor; see sh_edit.h. */
#include "sh_edit.h"

#ifdef RIVET_HOST_TEST
#include <stddef.h>
#include <string.h>
#else
#include "kernel/types.h"
#include "user/user.h"
#endif

enum { kEscNone, kEscStart, kEscBracket, kEscO, kEscNumber };

static void out(struct sh_edit* e, const char* text, int n) {
  if (n > 0) e->write(e->context, text, n);
}

static void out_str(struct sh_edit* e, const char* text) { out(e, text, (int)strlen(text)); }

static void repeat(struct sh_edit* e, char c, int n) {
  char chunk[32];
  memset(chunk, c, sizeof chunk);
  while (n > 0) {
    int k = n < (int)sizeof chunk ? n : (int)sizeof chunk;
    out(e, chunk, k);
    n -= k;
  }
}

/* Moves the cursor, on the screen too: left with '\b', right by writing
   the characters it passes over. */
static void move_to(struct sh_edit* e, int pos) {
  if (pos < e->cursor) repeat(e, '\b', e->cursor - pos);
  else out(e, e->line + e->cursor, pos - e->cursor);
  e->cursor = pos;
}

/* Replaces line[from, to) with text[0, n) and leaves the cursor after it:
   every edit is one of these. Returns -1 (changing nothing) if the line
   would not fit. */
static int replace(struct sh_edit* e, int from, int to, const char* text, int n) {
  int new_len = e->len - (to - from) + n;
  if (new_len >= SH_EDIT_MAX) return -1;
  int old_len = e->len;
  move_to(e, from);
  memmove(e->line + from + n, e->line + to, e->len - to);
  memcpy(e->line + from, text, n);
  e->len = new_len;
  e->line[e->len] = '\0';
  out(e, e->line + from, e->len - from);
  int erase = old_len > new_len ? old_len - new_len : 0;
  repeat(e, ' ', erase);
  repeat(e, '\b', e->len - from + erase - n);
  e->cursor = from + n;
  return 0;
}

static void set_line(struct sh_edit* e, const char* text) {
  replace(e, 0, e->len, text, (int)strlen(text));
}

static void redraw(struct sh_edit* e) {
  out_str(e, e->prompt);
  out(e, e->line, e->len);
  repeat(e, '\b', e->len - e->cursor);
}

void sh_edit_init(struct sh_edit* e, sh_edit_write_fn write, sh_edit_complete_fn complete, void* context) {
  /* Not a memset of the whole struct: the history and candidate arrays
     (some 40 KiB) are read only where written, and left untouched they
     cost the shell no memory until used. */
  e->history_count = 0;
  e->browse = 0;
  e->matches.count = 0;
  e->len = e->cursor = 0;
  e->line[0] = '\0';
  e->escape = 0;
  e->escape_arg = 0;
  e->last_was_tab = 0;
  e->write = write;
  e->complete = complete;
  e->context = context;
  e->prompt = "";
}

void sh_edit_begin(struct sh_edit* e, const char* prompt) {
  e->prompt = prompt;
  e->len = 0;
  e->cursor = 0;
  e->line[0] = '\0';
  e->escape = kEscNone;
  e->last_was_tab = 0;
  e->browse = 0;
  out_str(e, prompt);
}

void sh_edit_history_add(struct sh_edit* e, const char* line) {
  int n = (int)strlen(line);
  if (n == 0 || n >= SH_EDIT_MAX) return;
  const char* last = sh_edit_history_get(e, 1);
  if (last != NULL && strcmp(last, line) == 0) return;
  memcpy(e->history[e->history_count % SH_EDIT_HISTORY], line, n + 1);
  e->history_count++;
}

const char* sh_edit_history_get(const struct sh_edit* e, int back) {
  int kept = e->history_count < SH_EDIT_HISTORY ? e->history_count : SH_EDIT_HISTORY;
  if (back < 1 || back > kept) return NULL;
  return e->history[(e->history_count - back) % SH_EDIT_HISTORY];
}

static void history_step(struct sh_edit* e, int older) {
  if (older) {
    const char* line = sh_edit_history_get(e, e->browse + 1);
    if (line == NULL) return;
    if (e->browse == 0) memcpy(e->saved, e->line, e->len + 1);
    e->browse++;
    set_line(e, line);
  } else if (e->browse > 0) {
    e->browse--;
    set_line(e, e->browse == 0 ? e->saved : sh_edit_history_get(e, e->browse));
  }
}

static int is_word_break(char c) {
  return c == ' ' || c == '\t' || c == '|' || c == ';' || c == '&' || c == '(' || c == ')' || c == '<' || c == '>';
}

/* Sorts the candidates by name, for listing (insertion sort: few names). */
static void sort_matches(struct sh_edit_matches* m) {
  for (int i = 1; i < m->count; i++) {
    char name[SH_EDIT_NAME];
    char dir = m->is_dir[i];
    memcpy(name, m->names[i], SH_EDIT_NAME);
    int j = i;
    for (; j > 0 && strcmp(m->names[j - 1], name) > 0; j--) {
      memcpy(m->names[j], m->names[j - 1], SH_EDIT_NAME);
      m->is_dir[j] = m->is_dir[j - 1];
    }
    memcpy(m->names[j], name, SH_EDIT_NAME);
    m->is_dir[j] = dir;
  }
}

/* Tab: a single candidate is completed (with '/' for a directory, ' '
   otherwise); several complete their common prefix, and a second Tab in a
   row lists them under the line. */
static void complete(struct sh_edit* e, int second_tab) {
  if (e->complete == NULL) return;
  int start = e->cursor;
  while (start > 0 && !is_word_break(e->line[start - 1])) start--;
  int before = start;
  while (before > 0 && (e->line[before - 1] == ' ' || e->line[before - 1] == '\t')) before--;
  char c = before > 0 ? e->line[before - 1] : '\0';
  int first_word = before == 0 || c == '|' || c == ';' || c == '&' || c == '(';
  char word[SH_EDIT_MAX];
  memcpy(word, e->line + start, e->cursor - start);
  word[e->cursor - start] = '\0';
  const char* base = word;  /* what was typed of the last component */
  for (const char* p = word; *p; p++) {
    if (*p == '/') base = p + 1;
  }
  int typed = (int)strlen(base);
  struct sh_edit_matches* m = &e->matches;
  m->count = 0;
  e->complete(e->context, word, first_word, m);
  if (m->count > SH_EDIT_MATCHES) m->count = SH_EDIT_MATCHES;
  if (m->count == 0) return;
  if (m->count == 1) {
    char add[SH_EDIT_NAME + 1];
    int n = (int)strlen(m->names[0]) - typed;
    if (n < 0) return;
    memcpy(add, m->names[0] + typed, n);
    add[n++] = m->is_dir[0] ? '/' : ' ';
    replace(e, e->cursor, e->cursor, add, n);
    return;
  }
  int common = (int)strlen(m->names[0]);
  for (int i = 1; i < m->count; i++) {
    int k = 0;
    while (k < common && m->names[i][k] == m->names[0][k]) k++;
    common = k;
  }
  if (common > typed) {
    replace(e, e->cursor, e->cursor, m->names[0] + typed, common - typed);
    return;
  }
  if (!second_tab) return;
  sort_matches(m);
  int cursor = e->cursor;
  move_to(e, e->len);
  out_str(e, "\n");
  for (int i = 0; i < m->count; i++) {
    out_str(e, m->names[i]);
    if (m->is_dir[i]) out_str(e, "/");
    out_str(e, i + 1 < m->count ? "  " : "\n");
  }
  e->cursor = e->len;
  redraw(e);
  move_to(e, cursor);
}

/* The end of an escape sequence: the key it names. */
static void escape_key(struct sh_edit* e, char final, int arg) {
  switch (final) {
    case 'A': history_step(e, 1); break;
    case 'B': history_step(e, 0); break;
    case 'C': if (e->cursor < e->len) move_to(e, e->cursor + 1); break;
    case 'D': if (e->cursor > 0) move_to(e, e->cursor - 1); break;
    case 'H': move_to(e, 0); break;
    case 'F': move_to(e, e->len); break;
    case '~':
      if (arg == 1 || arg == 7) move_to(e, 0);
      if (arg == 4 || arg == 8) move_to(e, e->len);
      if (arg == 3 && e->cursor < e->len) replace(e, e->cursor, e->cursor + 1, "", 0);
      break;
    default: break;  /* keys the editor does not use */
  }
}

int sh_edit_key(struct sh_edit* e, int key) {
  char c = (char)key;
  int second_tab = e->last_was_tab;
  e->last_was_tab = 0;
  switch (e->escape) {
    case kEscStart:
      e->escape = c == '[' ? kEscBracket : c == 'O' ? kEscO : kEscNone;
      return SH_EDIT_MORE;
    case kEscBracket:
    case kEscO:
      if (e->escape == kEscBracket && c >= '0' && c <= '9') {
        e->escape = kEscNumber;
        e->escape_arg = c - '0';
        return SH_EDIT_MORE;
      }
      e->escape = kEscNone;
      escape_key(e, c, 0);
      return SH_EDIT_MORE;
    case kEscNumber:
      if (c >= '0' && c <= '9') {
        if (e->escape_arg < 1000) e->escape_arg = e->escape_arg * 10 + (c - '0');
        return SH_EDIT_MORE;
      }
      if (c == ';') return SH_EDIT_MORE;  /* modifiers (ESC [1;5C): ignored */
      e->escape = kEscNone;
      escape_key(e, c, e->escape_arg);
      return SH_EDIT_MORE;
    default: break;
  }
  switch (c) {
    case 0x1b: e->escape = kEscStart; return SH_EDIT_MORE;
    case 0x01: move_to(e, 0); return SH_EDIT_MORE;                                  /* ^A */
    case 0x05: move_to(e, e->len); return SH_EDIT_MORE;                             /* ^E */
    case 0x02: if (e->cursor > 0) move_to(e, e->cursor - 1); return SH_EDIT_MORE;   /* ^B */
    case 0x06: if (e->cursor < e->len) move_to(e, e->cursor + 1); return SH_EDIT_MORE;  /* ^F */
    case 0x03:                                                                      /* ^C */
      move_to(e, e->len);
      out_str(e, "^C\n");
      e->len = e->cursor = 0;
      e->line[0] = '\0';
      e->browse = 0;
      return SH_EDIT_INTERRUPT;
    case 0x04:                                                                      /* ^D */
      if (e->len == 0) {
        out_str(e, "\n");
        return SH_EDIT_EOF;
      }
      if (e->cursor < e->len) replace(e, e->cursor, e->cursor + 1, "", 0);
      return SH_EDIT_MORE;
    case 0x08:
    case 0x7f:
      if (e->cursor > 0) replace(e, e->cursor - 1, e->cursor, "", 0);
      return SH_EDIT_MORE;
    case '\t':
      complete(e, second_tab);
      e->last_was_tab = 1;
      return SH_EDIT_MORE;
    case 0x0b: replace(e, e->cursor, e->len, "", 0); return SH_EDIT_MORE;  /* ^K */
    case 0x0c:                                                             /* ^L */
      out_str(e, "\x1b[H\x1b[2J");
      redraw(e);
      return SH_EDIT_MORE;
    case '\r':
    case '\n':
      move_to(e, e->len);
      out_str(e, "\n");
      e->browse = 0;
      return SH_EDIT_LINE;
    case 0x15: replace(e, 0, e->len, "", 0); return SH_EDIT_MORE;  /* ^U */
    case 0x17: {                                                    /* ^W */
      int start = e->cursor;
      while (start > 0 && e->line[start - 1] == ' ') start--;
      while (start > 0 && e->line[start - 1] != ' ') start--;
      replace(e, start, e->cursor, "", 0);
      return SH_EDIT_MORE;
    }
    default: break;
  }
  if ((unsigned char)c < 0x20) return SH_EDIT_MORE;  /* other control keys: ignored */
  replace(e, e->cursor, e->cursor, &c, 1);
  return SH_EDIT_MORE;
}
