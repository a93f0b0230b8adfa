def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
assert !new File(basedir, 'escaped.txt').exists()
