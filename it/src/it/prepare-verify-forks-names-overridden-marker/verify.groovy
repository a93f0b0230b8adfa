def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0')
assert lines.any { it ==~ /\[ERROR\] target\/surefire-reports\/TEST-probe.InSandboxTest.xml: error: this test JVM's nsbox.sandboxed is forged, not this build's run ID [-0-9a-f]+: the marker was overridden \(an -Dnsbox.sandboxed in argLine or systemPropertyVariables wins over the one nsbox gives\), so nothing proves whether its tests ran sandboxed; remove nsbox.sandboxed from the test plugin's configuration/ }
assert !lines.any { it.contains('ran unsandboxed') }
assert lines.contains('[INFO] BUILD FAILURE')
