def lines = new File(basedir, 'build.log').readLines()
// In the pom...
assert lines.contains("[ERROR] pom.xml:41:33: error: maven-surefire-plugin:3.5.2 (execution default-test): <enableProcessChecker>native</enableProcessChecker> makes the fork look for Maven's PID with ps, which the sandbox's PID namespace hides, so the fork would kill itself; remove it or set it to ping")
// ...and on the command line.
assert lines.contains("[ERROR] error: maven-surefire-plugin:3.5.2 (execution default-test): -Dsurefire.enableProcessChecker=all makes the fork look for Maven's PID with ps, which the sandbox's PID namespace hides, so the fork would kill itself; remove it or set it to ping")
assert lines.count('[INFO] BUILD FAILURE') == 2
assert !lines.any { it.contains('Tests run:') }
