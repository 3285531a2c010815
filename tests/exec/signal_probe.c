/* signal_probe.c: preloaded (LD_PRELOAD) into the real hypersweep by signals_test.cpp. Its
 * initialiser runs with the libraries' own, before main, and writes to the file
 * $HS_SIGNAL_PROBE_OUT whether SIGINT, SIGTERM and SIGUSR1 are handled by then: "handled" or
 * "default". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void probe(void) {
  const char* out = getenv("HS_SIGNAL_PROBE_OUT");
  if (out == NULL) return;
  int handled = 1;
  const int sigs[] = {SIGINT, SIGTERM, SIGUSR1};
  for (int i = 0; i < 3; ++i) {
    struct sigaction sa;
    if (sigaction(sigs[i], NULL, &sa) != 0 || sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
      handled = 0;
  }
  FILE* f = fopen(out, "w");
  if (f == NULL) return;
  fputs(handled ? "handled" : "default", f);
  fclose(f);
}
