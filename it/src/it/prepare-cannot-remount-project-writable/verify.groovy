def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it ==~ /\[remount\] exit 32: mount: \/: permission denied.*/ }
assert lines.contains('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
assert !new File(basedir, 'escaped.txt').exists()
assert lines.contains('[ERROR] keeps-capabilities.yaml:12:3: error: process.capabilities keeps CAP_SYS_ADMIN, so each test JVM could remount the read-only project writable; remove it (test JVMs keep no capability by default)')
assert lines.contains('[INFO] BUILD FAILURE')
