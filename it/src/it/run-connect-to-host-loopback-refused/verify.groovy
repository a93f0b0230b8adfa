def server = System.properties.remove('nsbox.it.listener')
def accepted = System.properties.remove('nsbox.it.accepted')
server.close()
def lines = new File(basedir, 'build.log').readLines()
// Without a network namespace the step reaches the host's listener...
assert lines.contains('[INFO] [connect] hello from the host')
// ...with one, the same step is refused, and only the first connection ever arrived.
assert lines.any { it ==~ /\[WARNING\] \[connect\] bash: connect: Connection refused/ }
assert lines.contains('[ERROR] nsbox.yaml:8:5: error: steps[0] (connect): exited with 1')
assert lines.contains('[INFO] BUILD FAILURE')
assert accepted.get() == 1
