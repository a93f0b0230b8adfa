def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] [greet] hello from the pom')
assert lines.contains('[INFO] [env] FAST=1 TZ=UTC host=pom-steps')
assert lines.contains('[INFO] [command] one command line in pom-steps')
assert !lines.any { it.contains("must not run here") && it.startsWith('[INFO] [') }
// The pom step's failure points at the pom: the <configuration> of its execution.
assert lines.contains('[ERROR] pom.xml:74:32: error: steps[0] (fails): exited with 7')
