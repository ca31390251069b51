// libsystemd (Debian: libsystemd-dev) for sd_notify, the watchdog and journal streams.
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
