def lines = new File(basedir, 'build.log').readLines()
// 1. On the command line.
assert lines.contains("[ERROR] error: maven-surefire-plugin:3.5.2 (execution default-test): -Dmaven.surefire.debug=true makes each test JVM wait for a debugger on a port of the sandbox's own network namespace, which no debugger can reach, so Maven would hang for ever; to debug a test, add -Dnsbox.skip (the test JVMs then run outside the sandbox, and the build warns so)")
// 2. In the pom, named at its line.
assert lines.contains("[ERROR] pom.xml:67:35: error: maven-surefire-plugin:3.5.2 (execution default-test): <debugForkedProcess>true</debugForkedProcess> makes each test JVM wait for a debugger on a port of the sandbox's own network namespace, which no debugger can reach, so Maven would hang for ever; remove it, and to debug a test use -Dnsbox.skip -Dmaven.surefire.debug (the test JVMs then run outside the sandbox, and the build warns so)")
assert lines.count('[INFO] BUILD FAILURE') == 2
assert !lines.any { it.contains('Listening for transport') }
// 3. The way out says loudly what it costs.
assert lines.contains('[WARNING] nsbox: skipped, because nsbox.skip is true: the tests will run OUTSIDE any sandbox; drop -Dnsbox.skip (or set <skip>false</skip>) to sandbox them')
assert lines.contains('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert lines.contains('[INFO] BUILD SUCCESS')
