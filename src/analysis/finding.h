// finding.h: one thing the curve diagnosis (diagnosis.h) says about a trial, with the evidence
// behind it. Plain data shared by the diagnosis, `hypersweep show` and the HTML report.
#pragma once

#include <string>

namespace hs {

// Every label the diagnosis gives (diagnosis.h says what each stands for), in its order: for
// help texts and readers that list them.
inline constexpr char kFindingLabels[] =
    "failed, diverged_at_start, diverged, bad_init, plateau, decay_too_early, overfitting, "
    "underfitting, update_ratio, initial_loss, accuracy_scale, too_short, pruned, healthy";

struct Finding {
  // One of kFindingLabels.
  std::string label;
  // One sentence a person can check against the curves, with the epochs and values, e.g.
  // "val_acc fell from 0.884 (epoch 6) to 0.861 (epoch 12) while train_acc rose to 0.97".
  std::string evidence;
  // What to try next, e.g. "lower the learning rate"; empty only for healthy.
  std::string advice;
  int from_epoch = 0;  // the epochs the evidence spans (1-based; 0 when not tied to epochs)
  int to_epoch = 0;
};

}  // namespace hs
