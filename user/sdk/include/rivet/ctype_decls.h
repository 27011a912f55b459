/* Declarations shared by <ctype.h> and user/user.h: ASCII only (the C
   locale); functions, not macros. */
#ifndef RIVET_CTYPE_DECLS_H
#define RIVET_CTYPE_DECLS_H
#ifdef __cplusplus
extern "C" {
#endif
int isdigit(int c);
int isspace(int c);
int isalpha(int c);
int isprint(int c);
int isupper(int c);
int islower(int c);
int isalnum(int c);
int isxdigit(int c);
int ispunct(int c);
int iscntrl(int c);
int isgraph(int c);
int toupper(int c);
int tolower(int c);
#ifdef __cplusplus
}
#endif
#endif
