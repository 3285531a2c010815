// space_hint.h: a [space] value as a parameter value, and a [space] entry written in another
// tool's spelling with the message that gives ours for it. Internal to src/config (sweep_config.cpp
// reads [space]).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>

#include "search/space.h"

namespace hs {

// A [space] value as a parameter value: a boolean, an integer, a float or a string; nullopt for
// any other node (an array, a table, a date).
std::optional<ParamValue> param_value_of(const toml::node& n);

// Optuna's, Ray Tune's, Hyperopt's and NNI's way of writing a parameter as a table with its kind
// as a value ({ type = "loguniform", low = 1e-4, high = 0.1 }, { type = "categorical", choices =
// ["sgd", "adam"] }, { _type = "randint", _value = [16, 512] }): the error text that writes the
// same parameter `name` our way, with the user's own bounds or choices where the table gives
// them ("unknown field type: write a range as lr = { log_uniform = [0.0001, 0.1] } (...)").
// "" when `t` has no `type` or `_type` key.
std::string foreign_space_hint(const std::string& name, const toml::table& t);

// A step in `t` ("step", Optuna's; "q", Hyperopt's and Ray Tune's), which hypersweep's ranges do
// not have: what to write instead, the values as choices when there are at most 32 ("hypersweep's
// ranges have no step (step = 32): its values as choices are w = [32, 64, ...] ..., or sweep a
// whole multiplier ..."). "" when `t` gives no step.
std::string no_step_hint(const std::string& name, const toml::table& t);

}  // namespace hs
