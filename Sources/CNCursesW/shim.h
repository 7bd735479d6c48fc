#ifndef ESDB_CNCURSESW_SHIM_H
#define ESDB_CNCURSESW_SHIM_H
/* Wide-character curses API (cchar_t, wadd_wch, get_wch). SwiftPM drops pkg-config's -D flags, so define it here. */
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <ncursesw/panel.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

/* glibc hides wcwidth without _XOPEN_SOURCE; declare it for Swift. */
extern int wcwidth(wchar_t);
extern int setupterm(const char *, int, int *);

/* Macros Swift cannot import as functions. */
static inline WINDOW *esdb_stdscr(void) { return stdscr; }
static inline int esdb_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline int esdb_a_reverse(void) { return (int)A_REVERSE; }
static inline int esdb_a_bold(void) { return (int)A_BOLD; }
static inline int esdb_a_dim(void) { return (int)A_DIM; }
static inline int esdb_a_underline(void) { return (int)A_UNDERLINE; }

/* ioctl is variadic: wrap the terminal size query. Returns 0 on success. */
static inline int esdb_tty_size(int fd, int *rows, int *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}
#endif
