#!/bin/sh
# Paired, interleaved: the cost of one test-JVM start through the wrapper vs the real java,
# both running the same trivial program (java -version). Run it as
#   unshare --mount --propagation private fork-cost.sh [WRAPPER]
W=${1:-target/nsbox-jvm/bin/java}
J=${JAVA:-$(dirname "$(readlink -f "$(command -v java)")")/java}
for i in $(seq 1 15); do
  s=$(date +%s%N); "$J" -version 2>/dev/null; e=$(date +%s%N); echo "plain $(( (e - s) / 1000000 ))"
  s=$(date +%s%N); "$W" -version 2>/dev/null; e=$(date +%s%N); echo "wrapped $(( (e - s) / 1000000 ))"
done
