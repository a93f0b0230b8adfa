#!/bin/sh
# Compiles nsbox's C programs for every architecture the jar carries; engine/pom.xml runs it once
# in process-classes as: sh src/main/c/build.sh OUTPUT_DIRECTORY REQUIRE_ALL_ARCHS [JAVA_HOME]
#
# Each program lands at OUTPUT_DIRECTORY/RESOURCE_DIR/ARCH/NAME, ARCH as uname -m prints it;
# dev.nsbox.sys.NativeArch maps os.arch to the same names and the loaders read from there
# (docs/decisions/0019-arm64-one-c-build-per-architecture.md).
#
# The machine's own architecture is built with cc (or $CC) and must succeed. Another one needs
# Debian's cross compiler ARCH-linux-gnu-gcc (gcc-aarch64-linux-gnu with libc6-dev-arm64-cross;
# gcc-x86-64-linux-gnu on an arm64 machine). Without it that architecture is skipped with a
# warning, so a developer machine still builds, unless it is required: REQUIRE_ALL_ARCHS=true
# (-Dnsbox.requireAllArchs=true), NSBOX_REQUIRE_ALL_ARCHS=true or CI=true in the environment;
# .ci/run requires it, so a released jar always carries every architecture.
set -eu

out=${1:?usage: build.sh OUTPUT_DIRECTORY [REQUIRE_ALL_ARCHS] [JAVA_HOME]}
require=${2:-false}
jdk=${3:-${JAVA_HOME:-}}
src=$(dirname "$0")
if [ ! -f "$jdk/include/jni.h" ] && command -v javac >/dev/null 2>&1; then
    jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
if [ ! -f "$jdk/include/jni.h" ]; then
    echo "build.sh: error: no jni.h under ${jdk:-JAVA_HOME}/include: build with a JDK, not a JRE" >&2
    exit 1
fi

ARCHS="x86_64 aarch64"

# One line per program: its name in the jar, its source, how it is linked, and the resource
# directory of the class that loads it. static: nsbox-init runs in whatever root a spec builds,
# where no C library may exist. jni: a library the JVM loads (System.load, dlopen), linked against
# the JVM's own C library, compiled against the building JDK's jni.h (the same on every Linux
# architecture: include/linux/jni_md.h only says how wide jlong is, 64 bits on both).
programs() {
    cat <<'EOF'
nsbox-init           nsbox-init.c     static  dev/nsbox/exec
nsbox-fork           nsbox-fork.c     static  dev/nsbox/exec
libnsbox-sys.so      nsbox-sys.c      jni     dev/nsbox/sys
EOF
}

if [ "$require" != true ] && { [ "${NSBOX_REQUIRE_ALL_ARCHS:-}" = true ] || [ "${CI:-}" = true ]; }; then
    require=true
fi

# The Debian packages that provide the compiler for $1 on this machine.
packages() {
    if [ "$1" = "$here" ]; then
        echo gcc libc6-dev
    elif [ "$1" = aarch64 ]; then
        echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross
    else
        echo gcc-x86-64-linux-gnu libc6-dev-amd64-cross
    fi
}

here=$(uname -m)
for arch in $ARCHS; do
    if [ "$arch" = "$here" ]; then
        compiler=${CC:-cc}
    else
        compiler=$arch-linux-gnu-gcc
    fi
    if ! command -v "$compiler" >/dev/null 2>&1; then
        if [ "$arch" = "$here" ] || [ "$require" = true ]; then
            echo "build.sh: error: no C compiler $compiler for $arch, and every architecture is required;" \
                "on Debian: apt-get install $(packages "$arch")" >&2
            exit 1
        fi
        cat >&2 <<EOF
[WARNING] ************************************************************************
[WARNING] nsbox: no $compiler: this jar will NOT carry the $arch programs,
[WARNING] and nsbox built from it refuses to run on $arch.
[WARNING] To build them: apt-get install $(packages "$arch")
[WARNING] CI requires every architecture (-Dnsbox.requireAllArchs=true).
[WARNING] ************************************************************************
EOF
        # A stale copy from an earlier build must not end up in this jar.
        programs | while read -r name source link dir; do rm -f "$out/$dir/$arch/$name"; done
        continue
    fi
    programs | while read -r name source link dir; do
        case $link in
            static) flags="-static" ;;
            jni) flags="-shared -fPIC -I$jdk/include -I$jdk/include/linux" ;;
            *) echo "build.sh: error: $name: unknown link kind $link" >&2; exit 1 ;;
        esac
        mkdir -p "$out/$dir/$arch"
        "$compiler" $flags -Os -Wall -Wextra -Werror -o "$out/$dir/$arch/$name" "$src/$source"
    done
done
