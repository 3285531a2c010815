// Compiled as if it were part of src/analysis/ (with hs_analysis's include folders) by the test
// house:forbidden_include, which expects it NOT to build: src/README.md's table does not let
// analysis/ depend on train/, so train/'s headers are not on its include path.
#include "analysis/diagnosis.h"
#include "train/trainer.h"
