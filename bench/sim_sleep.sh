#!/bin/sh
# sim_sleep.sh SECONDS EPOCHS: a trial that sleeps SECONDS in EPOCHS equal epochs, printing an
# epoch line after each (so rank 0 hears and answers every epoch, as with a real trial) and a
# result line with its own start and end (t0, t1: Unix seconds), which /summary keeps as result
# columns: bench/sim_calibrate.py measures the real run's utilisation and waits from them.
t0=$(date +%s.%N)
step=$(awk "BEGIN { print $1 / $2 }")
e=1
while [ "$e" -le "$2" ]; do
  sleep "$step"
  echo "epoch=$e val_acc=0.5"
  e=$((e + 1))
done
echo "val_acc=0.5 t0=$t0 t1=$(date +%s.%N)"
