def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.startsWith('[INFO] --- maven-surefire-plugin:2.12.4:test') }
assert lines.contains("[WARNING] pom.xml:37:15: warning: maven-surefire-plugin:2.12.4 (execution default-test) records Maven's system properties in its reports, not the test JVM's, so nsbox:verify-forks cannot prove the forks ran sandboxed and will fail; pin a 3.x version")
// The tests pass only inside the sandbox: the fork ran there.
assert lines.contains('Tests run: 4, Failures: 0, Errors: 0, Skipped: 0')
// But the report cannot show it, and the build says so rather than pass unproven.
assert lines.contains("[ERROR] target/surefire-reports/TEST-probe.SandboxProbeTest.xml: error: this report lists Maven's own system properties, not a test JVM's, so nothing proves its tests ran in nsbox's sandbox: either they ran inside Maven (forkCount 0), or this Surefire/Failsafe does not record the fork's properties (2.12.4 does not, 3.2.5 does); pin a recent maven-surefire-plugin (or failsafe) version")
assert lines.contains('[INFO] BUILD FAILURE')
