def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] [sleeper] going to sleep')
def error = 'nsbox.yaml:7:5: error: steps[0] (sleeper): timed out after 1s: sent SIGTERM, SIGKILL after 1s; killed by signal 15 (SIGTERM)'
assert lines.contains('[ERROR] ' + error)
// The summary Maven prints last adds the exit code, 128 + 15.
assert lines.any { it.endsWith(': ' + error + ' (exit code 143) -> [Help 1]') }
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoFailureException')
