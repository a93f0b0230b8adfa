def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.contains(', the fork server on ') }
assert lines.any { it.contains('There was a timeout in the fork') }
assert !lines.contains('[INFO] BUILD SUCCESS')
// No test JVM (the only processes started with this marker) outlives the build.
def left = new File('/proc').listFiles().findAll { it.name ==~ /\d+/ }.findAll { d ->
    try {
        new File(d, 'cmdline').text.contains('-Dprobe.marker=nsbox-it-fork-timeout')
    } catch (IOException gone) {
        false
    }
}
assert left.isEmpty() : "test JVMs left: ${left*.name}"
