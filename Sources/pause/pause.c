/*
 * swiftlet-pause: the process that holds a pod sandbox's namespaces open.
 *
 * It behaves like the upstream Kubernetes pause container: as PID 1 of the pod's PID namespace it
 * reaps every orphan that is re-parented to it (SIGCHLD), exits 0 on SIGINT or SIGTERM, and
 * otherwise sleeps forever. `-v` prints the version and exits.
 *
 * Linked statically (see Package.swift) so the image holds this one file and no libc.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Keep in step with SwiftletVersion.current (PauseProgramTests checks it). */
#ifndef SWIFTLET_PAUSE_VERSION
#define SWIFTLET_PAUSE_VERSION "0.1.0"
#endif

static void on_terminate(int signal_number) {
    (void)signal_number;
    _exit(0);
}

static void on_child(int signal_number) {
    (void)signal_number;
    int saved = errno;
    /* Several children may have exited for one SIGCHLD: reap all that are done. */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

static int install(int signal_number, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    return sigaction(signal_number, &action, NULL);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            printf("swiftlet-pause %s\n", SWIFTLET_PAUSE_VERSION);
            return 0;
        }
    }
    if (getpid() != 1) {
        /* Upstream warns too: outside a PID namespace, orphans are reaped by the real init. */
        fprintf(stderr, "swiftlet-pause: warning: not running as PID 1\n");
    }
    if (install(SIGINT, on_terminate, 0) < 0 || install(SIGTERM, on_terminate, 0) < 0 ||
        install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) {
        perror("swiftlet-pause: sigaction");
        return 1;
    }
    /* A blocked mask survives exec: a parent that blocks SIGTERM (as threaded runtimes do) would
     * otherwise leave this process unstoppable. */
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) {
        perror("swiftlet-pause: sigprocmask");
        return 1;
    }
    for (;;) {
        pause();
    }
    /* Not reached. */
    return 42;
}
