def server = System.properties.remove('nsbox.it.prepare.listener')
def accepted = System.properties.remove('nsbox.it.prepare.accepted')
// The listener was alive all along: this connection from the host reaches it...
new Socket('127.0.0.1', server.localPort).close()
Thread.sleep(200)
server.close()
// ...and it is the only one that ever did.
assert accepted.get() == 1

def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.startsWith('[INFO] nsbox: test JVMs of this module run in target/nsbox-jvm/hermetic-tests.yaml through ') }
assert lines.contains('[INFO] Tests run: 7, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }
assert lines.contains('[INFO] BUILD SUCCESS')
assert !new File(basedir, 'written-by-a-test.txt').exists()
assert new File(basedir, 'target/written-by-a-test.txt').exists()
def report = new File(basedir, 'target/surefire-reports/TEST-probe.SandboxProbeTest.xml').text
assert report.contains('<property name="nsbox.sandboxed"')
