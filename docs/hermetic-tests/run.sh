#!/bin/sh
# usage (in the generated project): run.sh LABEL [MAVEN ARGS...]; prints LABEL and the build's wall seconds.
# Sandboxed: run.sh sandboxed; plain: run.sh plain -Dnsbox.skip=true; one fork per class: add -DreuseForks=false.
label=$1; shift
s=$(date +%s.%N)
unshare --mount --propagation private mvn -B -o verify "$@" > "last-$label.log" 2>&1 || { echo "$label FAILED"; exit 1; }
e=$(date +%s.%N)
echo "$label $(echo "$e - $s" | bc)"
