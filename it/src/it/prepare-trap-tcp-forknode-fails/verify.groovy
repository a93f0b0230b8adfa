def lines = new File(basedir, 'build.log').readLines()
assert lines.contains("[ERROR] pom.xml:41:107: error: maven-surefire-plugin:3.5.2 (execution default-test): forkNode org.apache.maven.plugin.surefire.extensions.SurefireForkNodeFactory talks to the fork over TCP, which cannot cross the sandbox's network namespace (Maven would hang); remove <forkNode> so that the fork uses its standard streams")
assert lines.contains('[INFO] BUILD FAILURE')
assert !lines.any { it.contains('Tests run:') }
