def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[ERROR] error: maven-surefire-plugin:3.5.2 (execution default-test): -Djvm=/usr/bin/java starts the test JVMs with another java, outside the sandbox; drop -Djvm from MAVEN_OPTS (nsbox:prepare sets jvm itself)')
assert lines.contains('[INFO] BUILD FAILURE')
assert !lines.any { it.contains('Tests run:') }
