// What head and tail share: the command line ([-n N | -nN | -N] [--]
// [FILE...]) and the walk over the files (the standard input without any;
// a "==> FILE <==" header before each of several). `each` prints the
// chosen lines of one open file and returns -1 on an error it reported.
#pragma once

int line_filter_main(const char* program, int argc, char* argv[],
                     int (*each)(int fd, const char* name, long lines));
