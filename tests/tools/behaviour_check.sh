#!/usr/bin/env bash
# Runs the same sweeps with two hypersweep binaries and checks that every per-trial result and
# curve is bit for bit the same (tests/tools/same_results.py). For a change that must not change
# behaviour (a refactoring): build the commit before it and the commit after, then
#   tests/tools/behaviour_check.sh OLD/build/bin/hypersweep build/bin/hypersweep
# The sweeps, each with threads = 1 (so bit for bit is the promise):
#   grid     a grid on a Fashion-MNIST subset, in this process: completed, early-stopped and
#            diverged trials
#   bayes    a GP + EI sweep with one MPI worker (mpirun -np 2): asked and told in order
#   command  an [objective] command sweep (configs/objective_example.py), one trial failing
#   recipe   configs/recipe_quick.toml, all six steps, in this process and under mpirun -np 3
# Each binary runs in a folder of its own under WORK (default: a new temporary folder), so the
# files are kept there to look at. Exit 0 when all match; 1 naming the sweeps that differ.
set -euo pipefail
old="$(realpath "${1:?usage: behaviour_check.sh OLD_BINARY NEW_BINARY [WORK]}")"
new="$(realpath "${2:?usage: behaviour_check.sh OLD_BINARY NEW_BINARY [WORK]}")"
work="${3:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe --bind-to none)

write_configs() {
  cat > grid.toml <<'EOF'
[train]
dataset = "fashion_mnist"
train_limit = 3000
test_limit = 1000
hidden = [64]
optimizer = "momentum"
epochs = 4
early_stopping = true
patience = 1
threads = 1

[sweep]
strategy = "grid"
trials = 6

[space]
lr = [0.01, 0.3, 1000.0]
weight_decay = [0.0, 1e-3]
EOF
  cat > bayes.toml <<'EOF'
[train]
dataset = "synthetic"
synthetic_samples = 1000
synthetic_noise = 1.5
hidden = [32]
epochs = 5
batch_size = 32
schedule = "cosine"
early_stopping = false
threads = 1

[sweep]
strategy = "bayes"
trials = 8
n_init = 3
seed = 5

[space]
lr = { log_uniform = [1e-3, 3e-1] }
momentum = { uniform = [0.5, 0.95] }
EOF
  cat > command.toml <<EOF
[objective]
command = "if [ {fail} = 1 ]; then echo broken >&2; exit 3; fi; python3 '$repo/configs/objective_example.py' --lr {lr} --weight-decay {weight_decay} --epochs 6"
timeout = 60

[sweep]
strategy = "list"
trials = 4
metric = "val_acc"

[space]
lr = [0.001, 0.03, 0.3, 0.01]
weight_decay = [0.0, 1e-4, 1e-3, 1e-5]
fail = [0, 0, 1, 0]
EOF
  cp "$repo/configs/recipe_quick.toml" recipe.toml
}

# Runs every sweep with binary $1 in folder $2.
run_all() {
  local bin="$1" dir="$2"
  mkdir -p "$dir" && cd "$dir"
  write_configs
  "$bin" run grid.toml --out grid.h5 --force > grid.log
  "${mpirun[@]}" -np 2 "$bin" run bayes.toml --out bayes.h5 --force > bayes.log
  "$bin" run command.toml --out command.h5 --force > command.log
  "$bin" recipe recipe.toml --out recipe.h5 --config-out recipe_rec.toml --force > recipe.log
  "${mpirun[@]}" -np 3 "$bin" recipe recipe.toml --out recipe_mpi.h5 --config-out recipe_mpi_rec.toml \
    --force > recipe_mpi.log
  cd - > /dev/null
}

echo "behaviour_check: files in $work"
run_all "$old" "$work/old"
run_all "$new" "$work/new"
failed=()
for f in grid bayes command recipe recipe_mpi; do
  if /usr/bin/python3 "$here/same_results.py" "$work/old/$f.h5" "$work/new/$f.h5"; then :; else failed+=("$f"); fi
done
for f in recipe_rec recipe_mpi_rec; do
  cmp -s "$work/old/$f.toml" "$work/new/$f.toml" || { echo "$f.toml differs" >&2; failed+=("$f.toml"); }
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "behaviour_check: DIFFERENT: ${failed[*]}" >&2
  exit 1
fi
echo "behaviour_check: every sweep the same, trial for trial (grid, bayes, command, recipe x2)"
