import java.nio.file.Files

def lines = new File(basedir, 'build.log').readLines()
def user = System.getenv('NSBOX_TEST_USER') ?: 'nsboxci'
def uid = ['id', '-u', user].execute().text.trim() as int

// Rootless: the build's one helper JVM serves the forks; no fork runs a cold engine.
def started = lines.findAll { it.startsWith('[INFO] nsbox: started the sandbox helper JVM in ') }
assert started.size() == 1 : lines.join('\n')
assert started[0].endsWith(') to serve the test forks')
def pid = (started[0] =~ /nsbox sandbox server, pid (\d+), user namespace mapping the caller to 0:0\)/)[0][1]
def through = lines.findAll { it.startsWith('[INFO] nsbox: test JVMs of this module run in hermetic-tests.yaml through ') }
assert through.size() == 1
assert through[0].contains('/target/nsbox-jvm/forks/socket in a helper JVM (nsbox sandbox server, pid ' + pid + ', ')
assert !through[0].contains('cold nsbox')
assert !new File(basedir, 'target/nsbox-jvm/bin/java').text.startsWith('#!')

assert lines.contains('[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 5 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
assert !lines.any { it.contains('Corrupted channel') || it.contains('Corrupted STDOUT') }

// What the test JVM wrote (as root inside) belongs to the build's user outside.
def written = new File(basedir, 'target/written-by-the-test-jvm.txt')
assert written.text == 'sandboxed\n'
assert Files.getAttribute(written.toPath(), 'unix:uid') == uid

// The build has ended, and the helper with it: the wrapper refuses and runs no java.
// (Maven has exited; the helper reads end of file, stops listening and ends: give it a moment.)
def cmdline = new File("/proc/${pid}/cmdline")
def helperRuns = { cmdline.exists() && cmdline.text.contains('dev.nsbox.exec.SandboxServer') }
for (int i = 0; i < 100 && helperRuns(); i++) {
    Thread.sleep(100)
}
assert !helperRuns()
def java = new File(basedir, 'target/nsbox-jvm/bin/java')
def p = ['runuser', '-u', user, '--', java.path, '-version'].execute()
def err = new StringBuilder()
p.waitForProcessOutput(new StringBuilder(), err)
assert p.exitValue() == 125
assert err.toString().contains('the test JVM does not run') : err
assert !err.toString().contains('version "')
