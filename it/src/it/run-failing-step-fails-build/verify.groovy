def lines = new File(basedir, 'build.log').readLines()
// Each line carries the name of the step that wrote it, though the steps share one pipe.
assert lines.contains('[INFO] [prepare] prepared')
assert lines.contains('[INFO] [check] checking')
assert lines.contains('[WARNING] [check] 3 checks failed')
// The one line that says what failed: the spec line, the step, its exit code.
assert lines.contains('[ERROR] nsbox.yaml:9:5: error: steps[1] (check): exited with 3')
assert lines.any { it.startsWith('[ERROR] Failed to execute goal dev.nsbox:nsbox-maven-plugin:') &&
        it.contains(':run (default) on project run-failing-step-fails-build: nsbox.yaml:9:5: error: steps[1] (check): exited with 3') }
assert lines.contains('[INFO] BUILD FAILURE')
assert !lines.any { it.contains('this step must not run') && !it.contains('shell') }
// A failing step is BUILD FAILURE even when its exit code is 3, the code nsbox itself uses for
// "this machine cannot provide what the spec needs" (BUILD ERROR).
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoFailureException')
