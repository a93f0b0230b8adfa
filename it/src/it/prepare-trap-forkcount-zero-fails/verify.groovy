def lines = new File(basedir, 'build.log').readLines()
assert lines.contains("[ERROR] pom.xml:41:22: error: maven-surefire-plugin:3.5.2 (execution default-test): <forkCount>0</forkCount> runs the tests inside Maven's own JVM, outside the sandbox; remove it, or set forkCount to 1 or more")
assert lines.contains('[INFO] BUILD FAILURE')
// Refused at initialize: nothing was compiled, no test ran, in Maven or anywhere else.
assert !lines.any { it.contains('Tests run:') }
assert !new File(basedir, 'target/surefire-reports').exists()
