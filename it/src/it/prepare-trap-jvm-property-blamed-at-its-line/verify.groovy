def lines = new File(basedir, 'build.log').readLines()
def javaHome = System.getProperty('java.home')
assert lines.contains("[ERROR] pom.xml:20:10: error: maven-surefire-plugin:3.5.2 (execution default-test): the project property jvm (${javaHome}/bin/java) starts the test JVMs with ${javaHome}/bin/java, not through nsbox:prepare's wrapper: Maven writes it into <jvm>\${jvm}</jvm> as it reads the pom, before nsbox:prepare can set jvm, so they would run outside the sandbox; remove <jvm> from the pom's <properties> (nsbox:prepare sets jvm itself)".toString())
assert lines.count('[INFO] BUILD FAILURE') == 1
assert lines.contains('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
