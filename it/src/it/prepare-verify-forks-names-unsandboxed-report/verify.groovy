def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
// The direct run was not sandboxed: its probe failed, and verify-forks names the report.
assert lines.contains('[ERROR] Tests run: 1, Failures: 1, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[ERROR\] target\/surefire-reports\/TEST-probe.InSandboxTest.xml: error: this test JVM did not run in nsbox's sandbox \(its system properties lack nsbox.sandboxed=[-0-9a-f]+\); its tests ran unsandboxed: look for a forkCount 0, a <jvm> or an -Djvm that bypass nsbox:prepare/ }
assert lines.contains('[INFO] BUILD FAILURE')
