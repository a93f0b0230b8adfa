def lines = new File(basedir, 'build.log').readLines()
def javaHome = System.getProperty('java.home')
// 1. The parent's <jvm>${tests.jvm}</jvm>, named at the parent's line.
assert lines.contains("[ERROR] parent/pom.xml:22:18: error: maven-surefire-plugin:3.5.2 (execution default-test): <jvm>${javaHome}/bin/java</jvm> starts the test JVMs with ${javaHome}/bin/java, not through nsbox:prepare's wrapper, so they would run outside the sandbox; set <jvm>\${jvm}</jvm> in maven-surefire-plugin's <configuration> in your pom (it overrides a parent's), or remove it".toString())
// 2. -Djvm on the command line wins over the property nsbox:prepare sets.
assert lines.contains('[ERROR] error: maven-surefire-plugin:3.5.2 (execution default-test): -Djvm=/usr/bin/java starts the test JVMs with another java, outside the sandbox; drop -Djvm from the command line (nsbox:prepare sets jvm itself)')
assert lines.count('[INFO] BUILD FAILURE') == 2
// 3. With the fix the message names, the tests (which pass only in the sandbox) pass, provably.
assert lines.contains('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
