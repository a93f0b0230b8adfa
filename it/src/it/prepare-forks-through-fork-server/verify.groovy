def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.startsWith('[INFO] nsbox: test JVMs of this module run in target/nsbox-jvm/hermetic-tests.yaml through ') && it.contains(', the fork server on ') }
assert lines.contains('[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 4 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
// Every line of the loud tests reached Surefire's reports through the fork's own pipes.
['A', 'B'].each { c ->
    def out = new File(basedir, "target/surefire-reports/probe.Loud${c}Test-output.txt")
    def text = out.exists() ? out.text : lines.join('\n')
    assert text.contains("loud-${c} out 49999".toString())
    assert text.contains("loud-${c} err 49999".toString())
}
assert !lines.any { it.contains('Corrupted channel') || it.contains('Corrupted STDOUT') }

// The build has ended, and its server with it: the wrapper refuses and runs no java.
def java = new File(basedir, 'target/nsbox-jvm/bin/java')
def p = [java.path, '-version'].execute()
def err = new StringBuilder()
p.waitForProcessOutput(new StringBuilder(), err)
assert p.exitValue() == 125
assert err.toString().contains('no server listens there') : err
assert !err.toString().contains('version')
