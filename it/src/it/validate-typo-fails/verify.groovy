def lines = new File(basedir, 'build.log').readLines()
// The exact line, in the compiler's form, where an editor can jump to it.
assert lines.contains('[ERROR] nsbox.yaml:4:1: error: unknown key "mounst" at the top level; did you mean "mounts"?')
assert lines.any { it.startsWith('[ERROR] Failed to execute goal dev.nsbox:nsbox-maven-plugin:') &&
        it.contains(':validate (default) on project validate-typo-fails: nsbox.yaml:4:1: error: unknown key "mounst" at the top level; did you mean "mounts"?') }
assert lines.contains('[INFO] BUILD FAILURE')
