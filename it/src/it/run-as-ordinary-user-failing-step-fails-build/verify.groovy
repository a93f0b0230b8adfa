def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.startsWith('[INFO] nsbox: applying nsbox.yaml (failing-step), 3 steps, in a helper JVM') }
assert lines.count { it.startsWith('[INFO] nsbox: started the sandbox helper JVM in ') } == 1
assert lines.contains('[INFO] [prepare] prepared as uid 0')
assert lines.contains('[INFO] [check] checking')
assert lines.contains('[WARNING] [check] 3 checks failed')
// The one line that says what failed: the spec line, the step, its exit code.
assert lines.contains('[ERROR] nsbox.yaml:9:5: error: steps[1] (check): exited with 3')
assert lines.any { it.startsWith('[ERROR] Failed to execute goal dev.nsbox:nsbox-maven-plugin:') &&
        it.contains(':run (default-cli) on project run-as-ordinary-user-failing-step-fails-build: nsbox.yaml:9:5: error: steps[1] (check): exited with 3') }
assert lines.contains('[INFO] BUILD FAILURE')
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoFailureException')
assert !lines.any { it.contains('this step must not run') && !it.contains('shell') }
