def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[WARNING] Tests run: 3, Failures: 0, Errors: 0, Skipped: 2')
assert lines.contains("[INFO] nsbox: target/surefire-reports/TEST-probe.DisabledTest.xml proves nothing: every test was skipped, no JVM ran them")
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build that ran tests come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
