def lines = new File(basedir, 'build.log').readLines()
assert lines.count('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0') == 2
assert lines.any { it.startsWith('[INFO] --- maven-failsafe-plugin:3.5.2:integration-test') }
assert new File(basedir, 'target/failsafe-reports/TEST-probe.InSandboxIT.xml').text.contains('<property name="nsbox.sandboxed"')
assert lines.any { it ==~ /\[INFO\] nsbox: all 2 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
