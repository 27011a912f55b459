/* The shell's line editor: a state machine fed one byte (key) at a time
   from a console in raw mode. Pure C with no system calls: what it shows
   goes through a caller-supplied write function and file names come from a
   caller-supplied completion function, so the host unit tests drive it
   directly.

   The screen is updated with plain bytes a terminal understands without
   escape sequences: '\b' moves the cursor left, rewriting characters moves
   it right, blanks erase. Only Ctrl-L sends ESC [H ESC [2J.

   Keys: printable characters insert at the cursor; Backspace (^H, DEL)
   erases before it, Delete (ESC [3~) and ^D under it; Left/Right (and ^B
   ^F); Home/End (ESC [H ESC [F ESC [1~ ESC [4~ ESC [7~ ESC [8~ ESC OH ESC
   OF, ^A ^E); ^W erases the word before the cursor, ^U the whole line, ^K
   to its end; ^L clears the screen; Up/Down browse the history; Tab
   completes; Enter ends the line; ^D on an empty line is end of input;
   ^C shows "^C" and abandons the line. */
#ifndef RIVET_SH_EDIT_H
#define RIVET_SH_EDIT_H

#ifdef __cplusplus
extern "C" {
#endif

#define SH_EDIT_MAX 512      /* bytes per line, with the NUL (SH_MAX_LINE) */
#define SH_EDIT_HISTORY 64   /* lines kept for Up/Down */
#define SH_EDIT_MATCHES 128  /* completion candidates considered */
#define SH_EDIT_NAME 64      /* longest candidate name, with the NUL */

/* What sh_edit_key returns. */
enum {
  SH_EDIT_MORE = 0,       /* keep feeding keys */
  SH_EDIT_LINE = 1,       /* Enter: the line is in e->line (NUL terminated) */
  SH_EDIT_EOF = 2,        /* ^D on an empty line */
  SH_EDIT_INTERRUPT = 3,  /* ^C: the line was abandoned */
};

/* Completion candidates: names (the last path component only) that start
   with what was typed of it. */
struct sh_edit_matches {
  int count;
  char names[SH_EDIT_MATCHES][SH_EDIT_NAME];
  char is_dir[SH_EDIT_MATCHES];
};

typedef void (*sh_edit_write_fn)(void* context, const char* text, int n);
/* Fills m with the candidates for word (the text from the start of the
   word to the cursor): commands when first_word is 1 and word has no '/',
   otherwise the entries of word's directory part that start with its last
   component. */
typedef void (*sh_edit_complete_fn)(void* context, const char* word, int first_word, struct sh_edit_matches* m);

struct sh_edit {
  sh_edit_write_fn write;
  sh_edit_complete_fn complete;  /* may be null: Tab does nothing */
  void* context;
  const char* prompt;
  char line[SH_EDIT_MAX];
  int len;
  int cursor;
  int escape;      /* 0, or where in an escape sequence we are */
  int escape_arg;  /* the number in ESC [ n ~ */
  int last_was_tab;
  char history[SH_EDIT_HISTORY][SH_EDIT_MAX];
  int history_count;  /* lines ever added; the last SH_EDIT_HISTORY are kept */
  int browse;         /* how far back Up has gone; 0: the line being typed */
  char saved[SH_EDIT_MAX];  /* the line being typed, while browsing */
  struct sh_edit_matches matches;
};

void sh_edit_init(struct sh_edit* e, sh_edit_write_fn write, sh_edit_complete_fn complete, void* context);
/* Starts a new line: shows the prompt (kept for redraws) and empties the line. */
void sh_edit_begin(struct sh_edit* e, const char* prompt);
/* One byte from the keyboard; returns SH_EDIT_MORE, _LINE, _EOF or _INTERRUPT. */
int sh_edit_key(struct sh_edit* e, int key);
/* Remembers a line for Up/Down (empty lines and a repeat of the last are not kept). */
void sh_edit_history_add(struct sh_edit* e, const char* line);
/* The history line `back` lines ago (1: the newest), or null. */
const char* sh_edit_history_get(const struct sh_edit* e, int back);

#ifdef __cplusplus
}
#endif

#endif
