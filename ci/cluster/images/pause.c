/* The pod sandbox's PID 1: holds the pod's namespaces open, reaps orphans, exits on TERM/INT.
 * `pause -v` prints its name and exits, as upstream's does: kubeadm's upgrade health check runs the
 * pause image that way in a Job and waits for it to complete. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void leave(int sig) { _exit(128 + sig); }

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("pause (shakedown local cluster)");
    return 0;
  }
  struct sigaction s = {0};
  s.sa_handler = leave;
  sigaction(SIGINT, &s, NULL);
  sigaction(SIGTERM, &s, NULL);
  s.sa_handler = reap;
  s.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &s, NULL);
  for (;;) pause();
}
