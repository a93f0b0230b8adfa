#!/bin/sh
# Stores nsbox's native programs in nsbox.jar uncompressed (engine/pom.xml runs it after the shade
# plugin made the jar): sh src/main/c/store.sh JAR CLASSES_DIRECTORY [JAVA_HOME]
#
# A cold `nsbox run` copies nsbox-init (about 0.9 MB) out of the jar into a memfd and loads the
# JNI library from it; inflating them in a JVM that has compiled nothing yet cost about 4 ms of
# the run. Stored, reading them is a copy. The jar grows by about 1 MB.
set -eu

jar=${1:?usage: store.sh JAR CLASSES_DIRECTORY [JAVA_HOME]}
classes=${2:?usage: store.sh JAR CLASSES_DIRECTORY [JAVA_HOME]}
tool=jar
if [ -n "${3:-}" ] && [ -x "$3/bin/jar" ]; then
    tool=$3/bin/jar
fi
cd "$classes"
set --
for f in dev/nsbox/exec/*/nsbox-init dev/nsbox/sys/*/libnsbox-sys.so; do
    if [ -f "$f" ]; then
        set -- "$@" "$f"
    fi
done
if [ $# -gt 0 ]; then
    "$tool" --update --no-compress --file "$jar" "$@"
fi
