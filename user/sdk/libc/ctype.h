/* Rivet SDK: <ctype.h>: isdigit isspace isalpha isprint isupper islower
 * isalnum isxdigit ispunct iscntrl isgraph toupper tolower, ASCII only. */
#ifndef RIVET_SDK_CTYPE_H
#define RIVET_SDK_CTYPE_H
#include "rivet/ctype_decls.h"
#endif
