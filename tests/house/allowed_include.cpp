// The control for house:forbidden_include: the same probe with includes the table allows
// (analysis/ may depend on trial/ and store/, and on search/ through them) must build.
#include "analysis/diagnosis.h"
#include "search/space_text.h"
#include "store/read_results.h"
#include "trial/codec.h"
