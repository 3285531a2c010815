// check.h: invariant checks that name the failed condition, file and line (ggml's GGML_ASSERT).
// A broken invariant is a bug, not bad input: it prints and aborts. Bad input goes through
// hs::Error instead (error.h). Later, MPI and HDF5 check macros live beside this one.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HS_CHECK(cond)                                                                  \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "hypersweep: internal error: %s:%d: check failed: %s\n",     \
                   __FILE__, __LINE__, #cond);                                          \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
