/* Rivet SDK: <string.h>, the part librivet has: strlen strcpy strncpy
 * strcat strcmp strncmp strchr strrchr strstr strdup memset memcmp memmove
 * memcpy strerror. */
#ifndef RIVET_SDK_STRING_H
#define RIVET_SDK_STRING_H
#include <stddef.h>
#include "rivet/string_decls.h"
#endif
