def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[WARNING] specs/no-pid.yaml:6:5: warning: mounts[1] (proc on /proc) without a pid namespace shows the host\'s processes')
assert lines.contains('[INFO] nsbox: 3 specs are valid: nsbox.yaml, specs/no-pid.yaml, specs/tools/lint.yaml')
assert lines.contains('[INFO] BUILD SUCCESS')
