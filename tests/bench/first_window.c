/* first_window: how long a program takes from exec to its first top-level
 * window being mapped (viewable) on the X server, measured from outside and
 * identically for any toolkit, so the start-up times of different
 * applications can be compared fairly (tests/bench/startup.sh).
 *
 * It selects SubstructureNotify on the root window before the child exists,
 * so no map can be missed; the clock starts in the child itself, immediately
 * before execvp, and stops when the MapNotify arrives. A top-level counts when
 * it is not override-redirect (menus, tooltips, drag icons) nor a splash
 * screen (_NET_WM_WINDOW_TYPE_SPLASH), its _NET_WM_PID
 * is the child or one of its descendants (a launcher script that forks the
 * real binary still counts), and, with --title, its title is exactly the given
 * text (so a main window can be told from a progress or plugin-scan dialog; a
 * title set after the map is caught too). Without a window manager (a bare Xvfb) top-levels
 * are direct children of the root, which is what this expects.
 *
 * After the window it either stops the program (SIGTERM to its process group,
 * SIGKILL after 3 s) or, with --wait-exit, waits for it to quit by itself.
 *
 *   first_window [--timeout S] [--title TEXT] [--hold MS] [--wait-exit] [--log FILE] [--verbose] -- CMD [ARGS...]
 *
 * stdout: "mapped-ms <ms>" (or "mapped-ms none"), "title <title>", and with
 * --wait-exit "exit-ms <ms>". Exit status: 0 window seen, 3 timed out,
 * 4 the program exited without one, 2 bad usage or no display. */
#define _GNU_SOURCE
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int usage(const char* why) {
    fprintf(stderr, "first_window: %s\nusage: first_window [--timeout S] [--title TEXT] [--hold MS] [--wait-exit] [--log FILE] [--verbose] -- CMD [ARGS...]\n", why);
    return 2;
}

/* True when `pid` is `ancestor` or one of its descendants (walks /proc ppid links). */
static int descendsFrom(pid_t pid, pid_t ancestor) {
    for (int depth = 0; pid > 1 && depth < 64; ++depth) {
        if (pid == ancestor) return 1;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE* f = fopen(path, "r");
        if (!f) return 0;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* The command name may hold spaces and parentheses: the ppid follows the last ')'. */
        char* close = strrchr(buf, ')');
        if (!close) return 0;
        char state;
        int ppid;
        if (sscanf(close + 1, " %c %d", &state, &ppid) != 2) return 0;
        pid = (pid_t)ppid;
    }
    return 0;
}

/* The window's _NET_WM_PID, or -1 when it has none. */
static long windowPid(Display* dpy, Window w, Atom netWmPid) {
    Atom type;
    int format;
    unsigned long count, after;
    unsigned char* data = NULL;
    long pid = -1;
    if (XGetWindowProperty(dpy, w, netWmPid, 0, 1, False, XA_CARDINAL, &type, &format, &count, &after, &data) == Success && data) {
        if (type == XA_CARDINAL && format == 32 && count == 1) pid = (long)*(unsigned long*)data;
        XFree(data);
    }
    return pid;
}

/* True when the window declares itself a splash screen (_NET_WM_WINDOW_TYPE_SPLASH). */
static int isSplash(Display* dpy, Window w, Atom windowType, Atom splash) {
    Atom type;
    int format;
    unsigned long count, after;
    unsigned char* data = NULL;
    int result = 0;
    if (XGetWindowProperty(dpy, w, windowType, 0, 16, False, XA_ATOM, &type, &format, &count, &after, &data) == Success && data) {
        for (unsigned long i = 0; type == XA_ATOM && format == 32 && i < count; ++i)
            if (((unsigned long*)data)[i] == splash) result = 1;
        XFree(data);
    }
    return result;
}

/* The window's title (_NET_WM_NAME, else WM_NAME) into out; "" when it has none. */
static void windowTitle(Display* dpy, Window w, Atom netWmName, Atom utf8, char* out, size_t size) {
    Atom type;
    int format;
    unsigned long count, after;
    unsigned char* data = NULL;
    out[0] = '\0';
    if (XGetWindowProperty(dpy, w, netWmName, 0, 256, False, utf8, &type, &format, &count, &after, &data) == Success && data) {
        if (type == utf8 && format == 8) snprintf(out, size, "%.*s", (int)count, (const char*)data);
        XFree(data);
        if (out[0]) return;
    }
    char* name = NULL;
    if (XFetchName(dpy, w, &name) && name) {
        snprintf(out, size, "%s", name);
        XFree(name);
    }
}

/* A window vanishing between the event and the property read is normal here. */
static int ignoreXErrors(Display* dpy, XErrorEvent* error) {
    (void)dpy;
    (void)error;
    return 0;
}

static void stopGroup(pid_t child, int* status) {
    kill(-child, SIGTERM);
    const double deadline = nowMs() + 3000.0;
    while (nowMs() < deadline) {
        if (waitpid(child, status, WNOHANG) == child) {
            kill(-child, SIGKILL); /* helpers the program left behind */
            return;
        }
        usleep(10000);
    }
    kill(-child, SIGKILL);
    waitpid(child, status, 0);
}

int main(int argc, char** argv) {
    double timeoutS = 60.0, holdMs = 0.0;
    const char* title = NULL;
    const char* logPath = "/dev/null";
    int waitExit = 0, verbose = 0, first = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--")) {
            first = i + 1;
            break;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeoutS = atof(argv[++i]);
        else if (!strcmp(argv[i], "--title") && i + 1 < argc) title = argv[++i];
        else if (!strcmp(argv[i], "--hold") && i + 1 < argc) holdMs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--log") && i + 1 < argc) logPath = argv[++i];
        else if (!strcmp(argv[i], "--wait-exit")) waitExit = 1;
        else if (!strcmp(argv[i], "--verbose")) verbose = 1;
        else return usage(argv[i]);
    }
    if (!first || first >= argc) return usage("no command given after --");
    if (timeoutS <= 0) return usage("--timeout must be above 0");

    Display* dpy = XOpenDisplay(NULL);
    if (!dpy) return usage("cannot open the display ($DISPLAY)");
    XSetErrorHandler(ignoreXErrors);
    const Window root = DefaultRootWindow(dpy);
    const Atom netWmPid = XInternAtom(dpy, "_NET_WM_PID", False);
    const Atom netWmName = XInternAtom(dpy, "_NET_WM_NAME", False);
    const Atom utf8 = XInternAtom(dpy, "UTF8_STRING", False);
    const Atom windowType = XInternAtom(dpy, "_NET_WM_WINDOW_TYPE", False);
    const Atom splashType = XInternAtom(dpy, "_NET_WM_WINDOW_TYPE_SPLASH", False);
    XSelectInput(dpy, root, SubstructureNotifyMask);
    XSync(dpy, False);

    /* The child sends its exec timestamp through a close-on-exec pipe. */
    int stamp[2];
    if (pipe2(stamp, O_CLOEXEC) != 0) return usage("cannot create a pipe");
    const pid_t child = fork();
    if (child < 0) return usage("cannot fork");
    if (child == 0) {
        setpgid(0, 0);
        const int log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            close(log);
        }
        const int devNull = open("/dev/null", O_RDONLY);
        if (devNull >= 0) dup2(devNull, STDIN_FILENO);
        const double t0 = nowMs();
        if (write(stamp[1], &t0, sizeof t0) != (ssize_t)sizeof t0) _exit(127);
        execvp(argv[first], argv + first);
        fprintf(stderr, "first_window: cannot run %s: %s\n", argv[first], strerror(errno));
        _exit(127);
    }
    setpgid(child, child); /* also from here, so the group exists before any kill */
    close(stamp[1]);
    double t0 = 0.0;
    if (read(stamp[0], &t0, sizeof t0) != (ssize_t)sizeof t0) {
        fprintf(stderr, "first_window: %s did not start\n", argv[first]);
        waitpid(child, NULL, 0);
        return 4;
    }
    close(stamp[0]);

    const double deadline = t0 + timeoutS * 1e3;
    double mappedAt = -1.0;
    char found[512] = "";
    int status = 0, exited = 0;

    while (mappedAt < 0 && !exited) {
        while (XPending(dpy) && mappedAt < 0) {
            XEvent ev;
            XNextEvent(dpy, &ev);
            const double at = nowMs();
            Window w = 0;
            if (ev.type == MapNotify && ev.xmap.event == root && !ev.xmap.override_redirect) w = ev.xmap.window;
            else if (ev.type == PropertyNotify && (ev.xproperty.atom == netWmName || ev.xproperty.atom == XA_WM_NAME)) {
                XWindowAttributes attributes;
                if (XGetWindowAttributes(dpy, ev.xproperty.window, &attributes) && attributes.map_state == IsViewable) w = ev.xproperty.window;
            }
            if (!w) continue;
            const long pid = windowPid(dpy, w, netWmPid);
            char name[512];
            windowTitle(dpy, w, netWmName, utf8, name, sizeof name);
            const int ours = pid < 0 || descendsFrom((pid_t)pid, child);
            const int titled = !title || strcmp(name, title) == 0;
            const int splash = isSplash(dpy, w, windowType, splashType);
            if (verbose)
                fprintf(stderr, "first_window: %8.1f ms %s 0x%lx pid %ld%s \"%s\"%s\n", at - t0, ev.type == MapNotify ? "map  " : "title", (unsigned long)w, pid,
                        splash ? " splash" : "", name, ours && titled && !splash ? "  <- counts" : "");
            if (ours && titled && !splash) {
                mappedAt = at;
                snprintf(found, sizeof found, "%s", name);
            } else if (ours && ev.type == MapNotify) {
                /* Its title may change to the one we wait for. */
                XSelectInput(dpy, w, PropertyChangeMask);
            }
        }
        if (mappedAt >= 0) break;
        if (waitpid(child, &status, WNOHANG) == child) {
            exited = 1;
            break;
        }
        const double left = deadline - nowMs();
        if (left <= 0) break;
        struct pollfd fd = {ConnectionNumber(dpy), POLLIN, 0};
        poll(&fd, 1, left < 20.0 ? (int)left + 1 : 20); /* 20 ms: how often a silent child's exit is noticed */
    }

    if (mappedAt >= 0) printf("mapped-ms %.1f\ntitle %s\n", mappedAt - t0, found);
    else printf("mapped-ms none\n");
    fflush(stdout);

    int result = mappedAt >= 0 ? 0 : exited ? 4 : 3;
    if (!exited) {
        if (waitExit && mappedAt >= 0) {
            while (nowMs() < deadline) {
                if (waitpid(child, &status, WNOHANG) == child) {
                    exited = 1;
                    printf("exit-ms %.1f\n", nowMs() - t0);
                    break;
                }
                usleep(1000);
            }
            if (!exited) {
                printf("exit-ms none\n");
                stopGroup(child, &status);
            }
        } else {
            if (holdMs > 0) usleep((useconds_t)(holdMs * 1e3));
            stopGroup(child, &status);
        }
    }
    if (verbose && exited && mappedAt < 0)
        fprintf(stderr, "first_window: %s exited (status %d) before mapping a window\n", argv[first], WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    kill(-child, SIGKILL);
    XCloseDisplay(dpy);
    return result;
}
